"""Quick phrase endpoints: list and search (`?client_id=&q=`), create, read, update, delete."""

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from kefu.knowledge import selectors, services
from kefu.knowledge.schemas import QuickPhraseIn, QuickPhraseOut, QuickPhraseUpdateIn

router = Router(tags=["knowledge"])


@router.get("/quick-phrases", response=list[QuickPhraseOut])
@paginate(PageNumberPagination, page_size=100)
def list_quick_phrases(
    request: HttpRequest, client_id: int | None = None, q: str = "", category: str = ""
) -> object:
    return selectors.quick_phrase_list(request.access, client_id=client_id, search=q, category=category)


@router.post("/quick-phrases", response={201: QuickPhraseOut})
def create_quick_phrase(request: HttpRequest, payload: QuickPhraseIn) -> Status[object]:
    return Status(201, services.quick_phrase_create(request.access, **payload.dict()))


@router.get("/quick-phrases/{phrase_id}", response=QuickPhraseOut)
def get_quick_phrase(request: HttpRequest, phrase_id: int) -> object:
    return selectors.quick_phrase_get(request.access, phrase_id=phrase_id)


@router.put("/quick-phrases/{phrase_id}", response=QuickPhraseOut)
def update_quick_phrase(request: HttpRequest, phrase_id: int, payload: QuickPhraseUpdateIn) -> object:
    return services.quick_phrase_update(request.access, phrase_id=phrase_id, **payload.dict())


@router.delete("/quick-phrases/{phrase_id}", response={204: None})
def delete_quick_phrase(request: HttpRequest, phrase_id: int) -> Status[None]:
    services.quick_phrase_delete(request.access, phrase_id=phrase_id)
    return Status(204, None)
