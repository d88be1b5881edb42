from tests.cases import APPLICATION, done, submit


async def test_hubei_conditional_application_can_be_submitted_and_approved(api):
    case = await submit(api, "hubei-applicant", **APPLICATION)
    assert case["stage"] == "provider_review"
    state = await done(api, "hubei-provider", case, "approve")
    assert state["outcome"] == "granted"
