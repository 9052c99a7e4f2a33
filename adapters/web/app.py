"""The web view on aiohttp: a learner's roadmap as a page, signed in from a chat link.

Pages are rendered on the server (Jinja2, escaped as filled in), so a phone's browser
needs no script to use them; every change is a form post carrying the session's form
token, answered by a redirect back to the page. Nothing about the learner is in a URL:
the sign-in link's token is random and used up at once, and the session lives in an
HttpOnly cookie. Requests are not logged, so no token reaches a log either.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from markupsafe import Markup
from multidict import MultiDictProxy

from adapters.web.charts import burn_up_svg, calendar_svg
from core.app.web import WebCoach
from core.kernel import i18n
from core.kernel.commands import Done, Export, Settings, Undo
from core.kernel.i18n import speaking
from core.kernel.refs import LearnerRef
from core.kernel.reply import Reply
from core.web import views
from core.web.access import SESSION_LIFETIME, form_token, form_token_matches
from core.web.group_page import GROUP_SETTINGS
from core.web.pages import SETTINGS, NoTrackPage, StudyDay

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "coach_session"
NOTICE_COOKIE = "coach_notice"  # the coach's answer to a change, shown once after it
WEB_COACH = web.AppKey("web_coach", WebCoach)
# Scripts and styles from this site only, no inline code, no plugins, forms only to
# here, and framed only by Telegram's web client (where a Mini App runs in a frame).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'self' https://web.telegram.org"
)
SECURE_COOKIES = web.AppKey("secure_cookies", bool)

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def _filled(words: str, **values: object) -> Markup:
    """A translated sentence with its placeholders filled, each value escaped and isolated
    (<bdi>), so an English title keeps its order inside a Persian sentence and the reverse."""
    return Markup.escape(words).format(
        **{name: Markup("<bdi>%s</bdi>") % value for name, value in values.items()}
    )


_templates.filters["filled"] = _filled


@web.middleware
async def _secure_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The sign-in page's address holds its token: never sent on to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _page(template: str, status: int = 200, **values: Any) -> web.Response:
    body = _templates.get_template(template).render(**values)
    return web.Response(text=body, status=status, content_type="text/html")


def _browser_language(request: web.Request) -> str:
    """The first of the browser's languages (Accept-Language, by preference) the coach
    speaks: what a page says to someone not signed in is said in it."""
    ranked = []
    for position, part in enumerate(request.headers.get("Accept-Language", "").split(",")):
        tag, _, weight = part.strip().partition(";q=")
        try:
            preference = float(weight) if weight else 1.0
        except ValueError:
            continue
        if tag and preference > 0:
            ranked.append((-preference, position, tag))
    return next((code for *_, tag in sorted(ranked) if (code := i18n.supported(tag))), i18n.ENGLISH)


def _notice(
    request: web.Request, template: str, status: int, say: Callable[[], Any]
) -> web.Response:
    """A page saying why there is nothing to show, in the browser's language."""
    with speaking(_browser_language(request)) as language:
        return _page(
            template, status, words=say(), language=language, rtl=i18n.is_right_to_left(language)
        )


def _signed_out(request: web.Request, status: int) -> web.Response:
    """A link that was used or ran out."""
    return _notice(request, "signed_out.html", status, views.signed_out_page)


def _not_signed_in(request: web.Request) -> web.Response:
    return _notice(request, "signed_out.html", 401, views.not_signed_in_page)


def _with_session(response: web.Response, session: str, *, framed: bool, secure: bool) -> None:
    """The session cookie: never readable by scripts. A Mini App may run in a frame of
    Telegram's web client, where only a SameSite=None cookie (https only) comes back."""
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="None" if framed and secure else "Lax",
        secure=secure,
        path="/",
    )


async def _sign_in(request: web.Request) -> web.StreamResponse:
    session = await request.app[WEB_COACH].sign_in(request.match_info["token"])
    if session is None:
        return _signed_out(request, 403)
    response = web.HTTPSeeOther("/")  # raised, as aiohttp wants its HTTP exceptions
    _with_session(response, session, framed=False, secure=request.app[SECURE_COOKIES])
    raise response


async def _mini_app(request: web.Request) -> web.StreamResponse:
    """The page a Telegram Mini App opens: its script hands Telegram's initData over,
    and says what it must in the language Telegram reports for the app."""
    return _page(
        "mini_app.html",
        language=i18n.ENGLISH,
        rtl=False,
        words=json.dumps(views.mini_app_words()),
    )


async def _sign_in_telegram(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    session = await request.app[WEB_COACH].sign_in_telegram(str(form.get("init_data", "")))
    if session is None:
        raise web.HTTPForbidden()
    response = web.HTTPNoContent()
    _with_session(response, session, framed=True, secure=request.app[SECURE_COOKIES])
    raise response


async def _learner(request: web.Request) -> tuple[str, Any] | None:
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        return None
    who = await request.app[WEB_COACH].signed_in(session)
    return (session, who) if who is not None else None


async def _out_of_date(request: web.Request, who: LearnerRef) -> str:
    """Why a form was refused, in the language the learner is spoken to."""
    with speaking(await request.app[WEB_COACH].language(who)):
        return views.form_out_of_date()


async def _posted(request: web.Request) -> tuple[str, LearnerRef, MultiDictProxy[Any]]:
    """The session, sender and form of a change: signed in, and carrying the session's
    form token; anything else is refused before the form is acted on."""
    signed_in = await _learner(request)
    if signed_in is None:
        page = _not_signed_in(request)
        raise web.HTTPUnauthorized(text=page.text, content_type="text/html")
    session, who = signed_in
    form = await request.post()
    if not form_token_matches(session, str(form.get("form_token", ""))):
        raise web.HTTPForbidden(text=await _out_of_date(request, who))
    return session, who, form


async def _home(request: web.Request) -> web.StreamResponse:
    signed_in = await _learner(request)
    if signed_in is None:
        return _not_signed_in(request)
    session, who = signed_in
    page = await request.app[WEB_COACH].home(who)
    if page is None:  # forgotten since signing in
        return _not_signed_in(request)
    if isinstance(page, NoTrackPage):
        return _page(
            "no_track.html",
            page=page,
            words=page.words,
            language=page.language,
            rtl=page.right_to_left,
            form_token=form_token(session),
        )
    with speaking(page.language):
        words = page.words

        def describe(day: StudyDay) -> str:
            return words["day"].format(
                day=i18n.day(day.day), items=i18n.number(day.items), hours=i18n.number(day.hours)
            )

        response = _page(
            "learner.html",
            page=page,
            calendar=calendar_svg(page.calendar, words["calendar"], describe),
            burn_up=(
                burn_up_svg(page.burn_up, words, i18n.day, i18n.number) if page.burn_up else None
            ),
            notices=unpacked_notices(request.cookies.get(NOTICE_COOKIE)),
            words=page.words,
            language=page.language,
            rtl=page.right_to_left,
            form_token=form_token(session),
            day=i18n.day,
            number=i18n.number,
        )
    response.del_cookie(NOTICE_COOKIE, path="/")  # shown once
    return response


async def _group(request: web.Request) -> web.StreamResponse:
    signed_in = await _learner(request)
    if signed_in is None:
        return _not_signed_in(request)
    _, who = signed_in
    coach = request.app[WEB_COACH]
    number = _group_number(request)
    page = await coach.group(who, number) if number is not None else None
    if number is None or page is None:
        # Not theirs, or no such group: the same answer, so the page tells nobody which.
        with speaking(await coach.language(who)) as language:
            return _page(
                "signed_out.html",
                404,
                words=views.not_a_member(),
                language=language,
                rtl=i18n.is_right_to_left(language),
            )
    with speaking(page.language):
        response = _page(
            "group.html",
            page=page,
            notices=unpacked_notices(request.cookies.get(NOTICE_COOKIE)),
            form_token=form_token(signed_in[0]),
            group_id=number,
            words=page.words,
            language=page.language,
            rtl=page.right_to_left,
            number=i18n.number,
            day=i18n.day,
        )
    response.del_cookie(NOTICE_COOKIE, path="/")
    return response


def _group_number(request: web.Request) -> int | None:
    """The group an address names; None for anything no group could have as its id (a
    number past what the database holds would otherwise fail there)."""
    typed = request.match_info["group"]
    return int(typed) if typed.isascii() and typed.isdigit() and len(typed) <= 18 else None


async def _group_schedule(request: web.Request) -> web.StreamResponse:
    """An admin's changes to the group's schedule, each as `/group KEY VALUE` in the chat;
    the core checks them, and the group is told of each there."""
    _, who, form = await _posted(request)
    number = _group_number(request)
    coach = request.app[WEB_COACH]
    page = await coach.group(who, number) if number is not None else None
    if number is None or page is None or page.schedule_typed is None:
        raise web.HTTPForbidden(text=await _out_of_date(request, who))
    said = []
    for key, value in _changed(form, page.schedule_typed, GROUP_SETTINGS):
        reply = await coach.change_group(who, number, key, value)
        if reply is None:
            break  # no longer the group's admin: what was changed before stands, and is told
        said.append(reply.plain_text())
    raise _back_to(f"/groups/{number}#schedule", said)


async def _command(request: web.Request) -> web.StreamResponse:
    """A tick, or taking one back: `/done N`, `/undo N`, or `/undo` for the last tick."""
    _, who, form = await _posted(request)
    number = str(form.get("item", ""))
    if number and not (number.isascii() and number.isdigit()):
        raise web.HTTPBadRequest(text=await _out_of_date(request, who))
    if request.path == "/undo":
        command: Done | Undo = Undo.from_args(number)
    elif number:
        command = Done.from_args(number)
    else:
        raise web.HTTPBadRequest(text=await _out_of_date(request, who))
    outcome = await request.app[WEB_COACH].run(who, command)
    # The coach's answer, as the chat would show it: done, taken back, or why not.
    said = outcome.plain_text().splitlines() if isinstance(outcome, Reply) else []
    raise _back_to("/", [line for line in said if line.strip()])


async def _settings(request: web.Request) -> web.StreamResponse:
    """Every setting the form changed, each as the chat's /settings would take it: the
    core checks it, and its answer (done, or why not) is shown on the page."""
    _, who, form = await _posted(request)
    coach = request.app[WEB_COACH]
    page = await coach.page(who)
    if page is None:
        raise web.HTTPSeeOther("/")  # no track, so no settings: the page says why
    said = []
    for key, value in _changed(form, page.settings, SETTINGS):
        outcome = await coach.run(who, Settings(key, value))
        if isinstance(outcome, Reply):
            said.append(outcome.plain_text())
    raise _back_to("/#settings", said)


async def _export(request: web.Request) -> web.StreamResponse:
    """All the learner's data, as /export gives it in chat."""
    _, who, _ = await _posted(request)
    outcome = await request.app[WEB_COACH].run(who, Export())
    if not isinstance(outcome, Reply) or outcome.attachment is None:
        raise web.HTTPSeeOther("/")
    attachment = outcome.attachment
    return web.Response(
        body=attachment.content,
        content_type=attachment.media_type.split(";")[0],
        headers={"Content-Disposition": f'attachment; filename="{attachment.filename}"'},
    )


def _changed(
    form: MultiDictProxy[Any], current: dict[str, str], keys: Sequence[str]
) -> list[tuple[str, str]]:
    """The fields the form changed from the values it was filled with, as typed."""
    typed = {key: " ".join(str(form.get(key, "")).split()) for key in keys}
    return [(key, value) for key, value in typed.items() if value and value != current[key]]


def _back_to(location: str, said: list[str]) -> web.HTTPSeeOther:
    """Back to the page, with the coach's answers to the changes shown there once."""
    response = web.HTTPSeeOther(location)
    if said:
        response.set_cookie(
            NOTICE_COOKIE, packed_notices(said), max_age=60, httponly=True, path="/"
        )
    return response


# A cookie holds about 4 KB; the notices' share of it, packed.
NOTICES_PACKED_AT_MOST = 3000


def packed_notices(notices: list[str]) -> str:
    """The notices for the cookie, as many of the first ones as fit."""
    while True:
        packed = base64.urlsafe_b64encode(json.dumps(notices).encode()).decode()
        if len(packed) <= NOTICES_PACKED_AT_MOST or not notices:
            return packed
        notices = notices[:-1]


def unpacked_notices(cookie: str | None) -> list[str]:
    try:
        notices = json.loads(base64.urlsafe_b64decode((cookie or "").encode()))
    except ValueError:
        return []
    return [str(n) for n in notices] if isinstance(notices, list) else []


async def _sign_out(request: web.Request) -> web.StreamResponse:
    if request.cookies.get(SESSION_COOKIE):
        session, _, _ = await _posted(request)
        await request.app[WEB_COACH].sign_out(session)
    response = web.HTTPSeeOther("/")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


def web_app(coach: WebCoach, *, secure_cookies: bool = False) -> web.Application:
    """`secure_cookies`: the page is reached over https (its public address is), so its
    cookie is never sent in the clear."""
    app = web.Application(middlewares=[_secure_headers], client_max_size=64 * 1024)
    app[WEB_COACH] = coach
    app[SECURE_COOKIES] = secure_cookies
    app.router.add_get("/telegram", _mini_app)
    app.router.add_post("/telegram/signin", _sign_in_telegram)
    app.router.add_get("/", _home)
    app.router.add_get("/signin/{token}", _sign_in)
    app.router.add_get("/groups/{group}", _group)
    app.router.add_post("/groups/{group}/schedule", _group_schedule)
    app.router.add_post("/done", _command)
    app.router.add_post("/undo", _command)
    app.router.add_post("/settings", _settings)
    app.router.add_post("/export", _export)
    app.router.add_post("/signout", _sign_out)
    app.router.add_static("/static/", HERE / "static")
    return app
