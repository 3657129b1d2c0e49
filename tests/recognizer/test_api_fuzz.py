"""Schemathesis drives every API operation from the project's own OpenAPI schema with generated
requests (valid and invalid): none may answer 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from digitsite.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_api_operation_answers_5xx(case):
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
