from tests.cases import done, submit


async def test_hubei_conditional_application_can_be_submitted_and_approved(api):
    case = await submit(
        api,
        "hubei-applicant",
        resource_id="hubei-hukou",
        purpose="核验",
        scenario="低保审核",
        fields=["姓名"],
    )
    assert case["stage"] == "provider_review"
    state = await done(api, "hubei-provider", case, "approve")
    assert state["outcome"] == "granted"
