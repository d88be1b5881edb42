from tests.cases import post_case
from tests.conftest import auth


async def test_hubei_conditional_application_can_be_submitted_and_approved(api):
    response = await post_case(
        api,
        "hubei-applicant",
        process="sharing_application",
        resource_id="hubei-hukou",
        purpose="核验",
        scenario="低保审核",
        fields=["姓名"],
    )
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["stage"] == "provider_review"
    response = await api.post(
        f"/api/v1/cases/{case['case_id']}/actions/approve",
        json={},
        headers=auth("hubei-provider"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "granted"


def test_limits_are_explained_in_chinese_with_their_numbers():
    from service.errors import describe_problems

    problems = [
        {"type": "less_than_equal", "loc": ("body", "days"), "msg": "x", "ctx": {"le": 365}},
        {"type": "too_long", "loc": ("body", "attachments"), "msg": "x", "ctx": {"max_length": 20}},
        {"type": "greater_than_equal", "loc": ("query", "year"), "msg": "x", "ctx": {}},
    ]
    assert describe_problems(problems) == (
        "请求内容无效：days：应不大于 365；attachments：最多 20 项；年度（year）：超出允许范围"
    )


def test_openapi_documents_every_process_request(settings):
    from api.app import create_app
    from service.submissions import PROCESSES

    spec = create_app(settings).openapi()
    post = spec["paths"]["/api/v1/cases"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["discriminator"]["mapping"]) == set(PROCESSES)
    schemas = spec["components"]["schemas"]
    for process in PROCESSES.values():
        properties = schemas[process.request.__name__]["properties"]
        assert properties["process"]["const"] == process.name
    examples = schema["examples"]
    assert {e["process"] for e in examples} == {"sharing_application", "negative_listing"}
    for example in examples:
        assert example["resource_id"] == "hubei-hukou"  # a resource the demo world has
