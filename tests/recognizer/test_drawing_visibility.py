"""Nobody sees anyone else's drawings: not in lists, not by id, not their images (404, not 403)."""

import pytest

from recognizer.models import Drawing
from tests.canvases import data_url, one_png, seven_png


def draw(client, png=None):
    response = client.post("/api/predictions", {"image": data_url(png or seven_png())}, content_type="application/json")
    assert response.status_code == 201
    return response.json()["id"]


@pytest.fixture
def alices_drawing(alice_client):
    return draw(alice_client)


@pytest.mark.django_db
def test_list_shows_only_own_drawings_with_pagination(alice_client, client, other_user, settings):
    settings.DRAWINGS_PER_PAGE = 2
    mine = [draw(alice_client) for _ in range(3)]
    bob = type(client)()
    bob.force_login(other_user)
    draw(bob, one_png())

    first = alice_client.get("/api/drawings").json()
    second = alice_client.get("/api/drawings?page=2").json()
    assert (first["count"], first["pages"]) == (3, 2)
    assert {d["id"] for d in first["results"] + second["results"]} == set(mine)
    assert alice_client.get("/api/drawings?page=3").status_code == 404
    assert bob.get("/api/drawings").json()["count"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/drawings/{id}", "/drawings/{id}/image.png", "/drawings/{id}/input.png"])
def test_another_users_drawing_is_not_found(alices_drawing, other_user, client, path):
    client.force_login(other_user)
    assert client.get(path.format(id=alices_drawing)).status_code == 404
    client.logout()
    assert client.get(path.format(id=alices_drawing)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/drawings/{id}", "/drawings/{id}/image.png", "/drawings/{id}/input.png"])
def test_owner_sees_their_drawing(alices_drawing, alice_client, path):
    response = alice_client.get(path.format(id=alices_drawing))
    assert response.status_code == 200


@pytest.mark.django_db
def test_another_user_cannot_relabel(alices_drawing, other_user, client):
    client.force_login(other_user)
    response = client.patch(f"/api/drawings/{alices_drawing}", {"label": 1}, content_type="application/json")
    assert response.status_code == 404
    assert Drawing.objects.get().user_label is None


@pytest.mark.django_db
def test_anonymous_drawings_are_visible_only_to_their_session(client):
    client.get("/")
    drawing_id = draw(client)
    assert client.get(f"/api/drawings/{drawing_id}").status_code == 200
    assert client.get("/drawings/").context["page"].paginator.count == 1
    stranger = type(client)()
    stranger.get("/")
    assert stranger.get(f"/api/drawings/{drawing_id}").status_code == 404
    assert stranger.get("/api/drawings").json()["count"] == 0


@pytest.mark.django_db
def test_my_drawings_page_shows_own_drawings_and_accuracy(alice_client):
    first = draw(alice_client)
    draw(alice_client, one_png())
    alice_client.patch(f"/api/drawings/{first}", {"label": 4}, content_type="application/json")
    response = alice_client.get("/drawings/")
    assert response.status_code == 200
    assert response.context["stats"] == {"total": 2, "wrong": 1, "right": 1, "accuracy": 0.5}
    assert f"/drawings/{first}/image.png" in response.content.decode()


@pytest.mark.django_db
def test_staff_can_see_any_drawing_image(alices_drawing, client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x-long-password-9")
    client.force_login(admin)
    assert client.get(f"/drawings/{alices_drawing}/image.png").status_code == 200


@pytest.mark.django_db
def test_listing_makes_no_query_per_drawing(alice_client, django_assert_max_num_queries):
    for _ in range(5):
        draw(alice_client)
    with django_assert_max_num_queries(8):  # session, user, count, page, prefetched predictions + versions
        response = alice_client.get("/api/drawings")
    assert response.json()["count"] == 5
