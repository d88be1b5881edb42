"""Official schedule files: one YAML file per State Council notice year, parsed and validated.

A file ``YYYY.yaml`` holds the *effective* schedule set by the State Council notice
国务院办公厅关于YYYY年部分节假日安排的通知, amendments applied. The notice of year Y may
set days in December of Y-1 (the 2019 notice makes 2018-12-29 a working day; the 2023 notice
makes 2022-12-31 a holiday), so calendar year Y is built from files Y and Y+1.

The format (see ``data/2019.yaml`` for one with an amendment)::

    year: 2019
    notice: {title, number (文号), signed, published, url}
    amendments:              # optional; the holidays below already include their effect
      - {title, number, signed, published, affects: [first day, last day], effect, url?, source?}
    holidays:                # rest days, weekends inside a range included
      - [2018-12-30, 2019-01-01, 元旦]
    makeup_workdays: [2018-12-29, ...]   # 调休上班, always a Saturday or Sunday
    superseded, note, source, confidence: optional free text

Files are read with ``yaml.compose`` rather than ``safe_load`` so that every error can name the
line it is about: operators fix files, and "line 23" beats "somewhere in 2027.yaml".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from calendars.errors import CalendarFileError

PACKAGED_DATA_DIR = Path(__file__).parent / "data"

_WEEKDAYS_ZH = "一二三四五六日"
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# 文号 such as 国办发明电〔2025〕7号; the prefix is left open because the issuing series may change.
_NUMBER_RE = re.compile(r"\S+〔\d{4}〕\d+号")
_YEAR_STEM_RE = re.compile(r"\d{4}")

_TOP_REQUIRED = ("year", "notice", "holidays", "makeup_workdays")
_TOP_OPTIONAL = ("amendments", "superseded", "note", "source", "confidence")
_NOTICE_REQUIRED = ("title", "number", "signed", "published", "url")
_AMENDMENT_REQUIRED = ("title", "number", "signed", "published", "affects", "effect")
_AMENDMENT_OPTIONAL = ("url", "source")


@dataclass(frozen=True)
class Notice:
    """An official notice (通知) or an amendment to one, as cited by a data file."""

    title: str
    number: str
    signed: date
    published: date
    url: str | None = None
    # Amendments only: what they changed, and the days they changed.
    effect: str | None = None
    affects: tuple[date, date] | None = None
    source: str | None = None


@dataclass(frozen=True)
class HolidayRange:
    """Consecutive rest days (放假) under one festival name, both ends included."""

    name: str
    start: date
    end: date

    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)


@dataclass(frozen=True)
class YearSchedule:
    """The effective schedule of one notice year."""

    year: int
    notice: Notice
    amendments: tuple[Notice, ...]
    holidays: tuple[HolidayRange, ...]
    makeup_workdays: tuple[date, ...]
    source_name: str = field(default="<memory>", compare=False)
    # Line of each day the file sets, so cross-file conflicts can be reported precisely.
    lines: Mapping[date, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def notice_numbers(self) -> tuple[str, ...]:
        return (self.notice.number, *(a.number for a in self.amendments))

    @property
    def first_day(self) -> date:
        """The earliest day this notice governs: 1 January, or earlier if it reaches back."""
        days = [date(self.year, 1, 1), *self.makeup_workdays, *(h.start for h in self.holidays)]
        return min(days)

    @property
    def last_day(self) -> date:
        return date(self.year, 12, 31)

    def holiday_days(self) -> Iterator[tuple[date, str]]:
        for holiday in self.holidays:
            for day in holiday.days():
                yield day, holiday.name

    def where(self, day: date) -> str:
        line = self.lines.get(day)
        return f"{self.source_name}:{line}" if line is not None else self.source_name


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


class _Reader:
    """Turns the composed node tree of one file into a YearSchedule, failing with file:line."""

    def __init__(self, source_name: str) -> None:
        self.source = source_name

    def fail(self, node: Node | None, message: str) -> CalendarFileError:
        return CalendarFileError(self.source, _line(node) if node is not None else None, message)

    def mapping(
        self, node: Node, what: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} 应为键值映射 ({what} must be a mapping)")
        result: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str):
                raise self.fail(key_node, f"{what} 的键应为文字 (keys must be plain text)")
            if key in result:
                raise self.fail(key_node, f"{what} 中的键 {key!r} 重复 (duplicate key)")
            if key not in required and key not in optional:
                allowed = "、".join((*required, *optional))
                raise self.fail(
                    key_node, f"{what} 中有未知的键 {key!r}，允许的键：{allowed} (unknown key)"
                )
            result[key] = value_node
        for key in required:
            if key not in result:
                raise self.fail(node, f"{what} 缺少必填项 {key!r} (missing required key)")
        return result

    def text(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or not str(node.value).strip():
            raise self.fail(node, f"{what} 应为非空文字 ({what} must be non-empty text)")
        return str(node.value).strip()

    def day(self, node: Node, what: str) -> date:
        value = node.value if isinstance(node, ScalarNode) else None
        if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
            raise self.fail(node, f"{what} 应为 YYYY-MM-DD 格式的日期 ({what} must be a date)")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(node, f"{what} 不是有效日期：{value} (not a valid date)") from None

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} 应为列表 ({what} must be a list)")
        return list(node.value)

    def year(self, node: Node) -> int:
        value = node.value if isinstance(node, ScalarNode) else None
        if not isinstance(value, str) or not _YEAR_STEM_RE.fullmatch(value):
            raise self.fail(node, "year 应为四位数年份 (year must be a four-digit year)")
        return int(value)

    def notice(self, node: Node, what: str, *, amendment: bool) -> Notice:
        if amendment:
            fields = self.mapping(node, what, _AMENDMENT_REQUIRED, _AMENDMENT_OPTIONAL)
        else:
            fields = self.mapping(node, what, _NOTICE_REQUIRED)
        number = self.text(fields["number"], f"{what}.number")
        if not _NUMBER_RE.fullmatch(number):
            raise self.fail(
                fields["number"],
                f"{what}.number 应为文号，如 国办发明电〔2025〕7号：{number} "
                "(number must be a document number)",
            )
        url = None
        if "url" in fields:
            url = self.text(fields["url"], f"{what}.url")
            if not url.startswith(("http://", "https://")):
                raise self.fail(fields["url"], f"{what}.url 应为网址：{url} (url must be http(s))")
        signed = self.day(fields["signed"], f"{what}.signed")
        published = self.day(fields["published"], f"{what}.published")
        if published < signed:
            raise self.fail(
                fields["published"],
                f"{what} 的发布日期 {published} 早于成文日期 {signed} (published before signed)",
            )
        affects = None
        if "affects" in fields:
            ends = self.sequence(fields["affects"], f"{what}.affects")
            if len(ends) != 2:
                raise self.fail(
                    fields["affects"],
                    f"{what}.affects 应为 [起, 止] 两个日期 (affects must be [start, end])",
                )
            first, last = (self.day(n, f"{what}.affects") for n in ends)
            if last < first:
                raise self.fail(fields["affects"], f"{what}.affects 起止颠倒 (start after end)")
            affects = (first, last)
        return Notice(
            title=self.text(fields["title"], f"{what}.title"),
            number=number,
            signed=signed,
            published=published,
            url=url,
            effect=self.text(fields["effect"], f"{what}.effect") if "effect" in fields else None,
            affects=affects,
            source=self.text(fields["source"], f"{what}.source") if "source" in fields else None,
        )

    def in_range(self, node: Node, day: date, year: int, what: str) -> None:
        # A notice governs its own year, and may reach back only into the previous December.
        if not (date(year - 1, 12, 1) <= day <= date(year, 12, 31)):
            raise self.fail(
                node,
                f"{what} {day} 超出 {year} 年通知的范围（{year}年全年，或{year - 1}年12月）"
                f" (date outside the notice year)",
            )

    def schedule(self, root: Node, expected_year: int | None) -> YearSchedule:
        top = self.mapping(root, "文件", _TOP_REQUIRED, _TOP_OPTIONAL)
        year = self.year(top["year"])
        if expected_year is not None and year != expected_year:
            raise self.fail(
                top["year"],
                f"文件名表明是 {expected_year} 年，内容却写 year: {year} "
                "(file name and year disagree)",
            )
        notice = self.notice(top["notice"], "notice", amendment=False)
        if f"{year}年" not in notice.title:
            raise self.fail(
                top["notice"],
                f"notice.title 应为 {year} 年的节假日安排通知：{notice.title} "
                "(the notice title must name the year)",
            )
        if not (year - 1 <= notice.published.year <= year):
            raise self.fail(
                top["notice"],
                f"{year} 年的通知发布于 {notice.published}，不合常理"
                " (implausible publication date)",
            )
        amendments: list[Notice] = []
        if "amendments" in top:
            for i, node in enumerate(self.sequence(top["amendments"], "amendments")):
                amendment = self.notice(node, f"amendments[{i}]", amendment=True)
                assert amendment.affects is not None  # required key for amendments
                for end in amendment.affects:
                    self.in_range(node, end, year, f"amendments[{i}].affects")
                amendments.append(amendment)
        for key in _TOP_OPTIONAL:
            if key in top and key != "amendments":
                self.text(top[key], key)

        lines: dict[date, int] = {}
        holidays: list[HolidayRange] = []
        for node in self.sequence(top["holidays"], "holidays"):
            items = self.sequence(node, "holidays 的每一项")
            if len(items) != 3:
                raise self.fail(
                    node,
                    "holidays 的每一项应为 [起, 止, 名称] (each holiday is [start, end, name])",
                )
            start = self.day(items[0], "放假起始日")
            end = self.day(items[1], "放假结束日")
            name = self.text(items[2], "节日名称")
            if end < start:
                raise self.fail(
                    node, f"{name} 的放假日期起止颠倒：{start} 至 {end} (start after end)"
                )
            self.in_range(items[0], start, year, f"{name} 的放假日期")
            self.in_range(items[1], end, year, f"{name} 的放假日期")
            holiday = HolidayRange(name, start, end)
            for day in holiday.days():
                if day in lines:
                    raise self.fail(
                        node,
                        f"{name}（{start} 至 {end}）与第 {lines[day]} 行的放假安排重叠于 {day} "
                        "(holiday ranges overlap)",
                    )
                lines[day] = _line(node)
            holidays.append(holiday)
        if not holidays:
            raise self.fail(top["holidays"], "holidays 不能为空 (no holidays listed)")

        makeups: list[date] = []
        for node in self.sequence(top["makeup_workdays"], "makeup_workdays"):
            day = self.day(node, "调休上班日")
            self.in_range(node, day, year, "调休上班日")
            if day.weekday() < 5:
                raise self.fail(
                    node,
                    f"调休上班日 {day} 是星期{_WEEKDAYS_ZH[day.weekday()]}，不是周末"
                    " (an adjusted working day must fall on a Saturday or Sunday)",
                )
            if day in lines:
                kind = "调休上班日" if day in makeups else "放假日"
                raise self.fail(
                    node,
                    f"{day} 已在第 {lines[day]} 行列为{kind}，不能再列为调休上班日"
                    " (a day cannot be both a holiday and an adjusted working day,"
                    " nor be listed twice)",
                )
            lines[day] = _line(node)
            makeups.append(day)

        holidays.sort(key=lambda h: h.start)
        return YearSchedule(
            year=year,
            notice=notice,
            amendments=tuple(amendments),
            holidays=tuple(holidays),
            makeup_workdays=tuple(sorted(makeups)),
            source_name=self.source,
            lines=lines,
        )


def _expected_year(source_name: str) -> int | None:
    stem = Path(source_name).stem
    return int(stem) if _YEAR_STEM_RE.fullmatch(stem) else None


def parse_year_text(text: str, source_name: str) -> YearSchedule:
    """Parse and validate the text of one year file; ``source_name`` names it in errors.

    If ``source_name`` looks like ``2027.yaml`` the ``year:`` inside must say 2027.
    Raises CalendarFileError naming the source and the line.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise CalendarFileError(
            source_name, line, f"YAML 语法错误：{exc.problem or exc} (YAML syntax error)"
        ) from None
    except yaml.YAMLError as exc:
        raise CalendarFileError(source_name, None, f"YAML 错误：{exc} (YAML error)") from None
    if root is None:
        raise CalendarFileError(source_name, None, "文件为空 (the file is empty)")
    return _Reader(source_name).schedule(root, _expected_year(source_name))


def validate_file(path: str | Path) -> YearSchedule:
    """Read, parse and validate one year file. Raises CalendarFileError naming file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CalendarFileError(str(path), None, "文件不是 UTF-8 编码 (not UTF-8)") from None
    except OSError as exc:
        raise CalendarFileError(
            str(path), None, f"无法读取文件：{exc.strerror} (cannot read)"
        ) from None
    return parse_year_text(text, str(path))


def load_schedules(*dirs: str | Path) -> dict[int, YearSchedule]:
    """Load every ``*.yaml`` file of each directory; a later directory overrides an earlier one.

    Two files for the same year inside one directory are an error: which one wins would depend
    on file-name order, and the operator should decide.
    """
    schedules: dict[int, YearSchedule] = {}
    for directory in dirs:
        directory = Path(directory)
        if not directory.is_dir():
            raise CalendarFileError(
                str(directory), None, "日历目录不存在 (calendar directory does not exist)"
            )
        seen: dict[int, YearSchedule] = {}
        paths = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))
        for path in paths:
            schedule = validate_file(path)
            if schedule.year in seen:
                raise CalendarFileError(
                    str(path),
                    None,
                    f"{schedule.year} 年已由 {seen[schedule.year].source_name} 定义 "
                    "(two files for the same year)",
                )
            seen[schedule.year] = schedule
        schedules.update(seen)
    return schedules
