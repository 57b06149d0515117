"""The desk's Starlette app: routes, sign-in, CSRF, headers. Pages are rendered from values the
store returns; every text from a feed goes through Jinja2's autoescape."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import jinja2
import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.clock import utcnow
from monitor.config import AppConfig
from monitor.config.watchlist import WatchlistConfig
from monitor.daemon.health import snapshot
from monitor.delivery.build import safe_url, story_badge
from monitor.delivery.links import LinkClaim, read_link
from monitor.delivery.render import format_time, lang_attr
from monitor.errors import FetchError
from monitor.extract.article import extract_article
from monitor.http import Fetcher
from monitor.match import MatchReport, compile_watchlists
from monitor.store import desk, reads
from monitor.store import feedback as fb
from monitor.store.articles import article_matches
from monitor.store.db import transaction
from monitor.store.search import search_articles
from monitor.urls import mask_url, mask_urls_in
from monitor.web import security
from monitor.web.highlight import field_spans, paragraphs, pieces
from monitor.web.provenance import citation_tree, timeline

log = logging.getLogger(__name__)

LABEL_TEXT = {
    "not-relevant": "not relevant",
    "relevant": "relevant (missed)",
    "belongs-to": "belongs to story",
    "not-same-story": "not the same story",
    "copy-of": "copy of article",
    "not-a-copy": "not a copy",
}


@dataclass
class Desk:
    """What every request needs: the config, the database, the mode, the signing key."""

    cfg: AppConfig
    sessions: sessionmaker[Session]
    read_only: bool = False
    clock: Callable[[], datetime] = utcnow
    signer: security.Signer = field(default_factory=security.Signer.random)

    @cached_property
    def matcher(self) -> Any:
        return compile_watchlists(self.cfg.watchlists)

    @cached_property
    def env(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.PackageLoader("monitor.web", "templates"),
            autoescape=True,  # every page is HTML: every value escaped unless marked safe
            undefined=jinja2.StrictUndefined,
        )
        tz = self.cfg.monitor.web.timezone
        env.globals.update(
            when=lambda v: format_time(v, tz),
            lang=lang_attr,
            safe_url=safe_url,
            badge=story_badge,
            label_text=LABEL_TEXT,
            read_only=self.read_only,
        )
        return env

    def read(self, fn: Callable[[Session], Any]) -> Awaitable[Any]:
        def run() -> Any:
            with transaction(self.sessions) as s:
                return fn(s)

        return run_in_threadpool(run)


def _user(request: Request) -> str | None:
    desk_: Desk = request.app.state.desk
    token = security.bearer(request.headers.get("authorization"))
    if token:
        return security.user_of_token(desk_.cfg.monitor.web.users, token)
    user = desk_.signer.session_user(request.cookies.get(security.SESSION_COOKIE))
    # a session outlives nobody's removal from config
    return user if any(u.name == user for u in desk_.cfg.monitor.web.users) else None


def _nonce(request: Request) -> str:
    nonce = request.cookies.get(security.CSRF_COOKIE)
    if not nonce:
        nonce = request.scope.setdefault("desk.new_nonce", secrets.token_urlsafe(24))
    return str(nonce)


def page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    desk_: Desk = request.app.state.desk
    template = desk_.env.get_template(name)
    csrf = desk_.signer.csrf_token(_nonce(request))
    html = template.render(
        request=request, user=request.scope.get("desk.user"), csrf=csrf, **values
    )
    return HTMLResponse(html, status_code=status)


def signed_in(
    fn: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """A page for signed-in users; others are sent to sign in (then back here)."""

    async def wrapper(request: Request) -> Response:
        user = _user(request)
        if user is None:
            if request.method != "GET":
                raise HTTPException(401, "sign in first")
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
        request.scope["desk.user"] = user
        return await fn(request)

    return wrapper


async def checked_form(request: Request) -> FormData:
    """The form of a POST, after the Origin and the CSRF token were checked."""
    desk_: Desk = request.app.state.desk
    if not security.same_origin(request.headers.get("origin"), request.headers.get("host")):
        raise HTTPException(403, "cross-site request refused")
    form = await request.form()
    token = form.get("csrf")
    if not desk_.signer.csrf_ok(request.cookies.get(security.CSRF_COOKIE), str(token or "")):
        raise HTTPException(403, "the form expired or did not come from this desk: reload it")
    return form


# -- pages ---------------------------------------------------------------------------------


def _day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise HTTPException(400, "date: use YYYY-MM-DD") from None


def _int(value: str | None, name: str, default: int | None = None) -> int | None:
    if value in (None, ""):
        return default
    try:
        return int(str(value))
    except ValueError:
        raise HTTPException(400, f"{name}: a number") from None


@signed_in
async def stories(request: Request) -> Response:
    desk_: Desk = request.app.state.desk
    q = request.query_params
    state = q.get("state") or None
    if state and state not in desk.STATES:
        raise HTTPException(400, f"state: one of {', '.join(desk.STATES)}")
    day = _day(q.get("date"))
    flt = desk.StoryFilter(
        watchlist=q.get("watchlist") or None,
        state=state,
        person=q.get("person") or None,
        since=day,
        until=day + timedelta(days=1) if day else None,
    )
    size = desk_.cfg.monitor.web.page_size
    number = max(1, _int(q.get("page"), "page", 1) or 1)

    def load(s: Session) -> tuple[list[desk.StoryLine], int, list[str]]:
        lines, total = desk.story_page(s, flt, offset=(number - 1) * size, limit=size)
        return lines, total, desk.watchlists_with_stories(s)

    records, total, watchlists = await desk_.read(load)
    watchlists = sorted(set(watchlists) | {w.id for w in desk_.cfg.watchlists})
    pages = max(1, -(-total // size))
    base = {k: v for k, v in q.items() if k != "page" and v}
    return page(
        request,
        "stories.html",
        stories=records,
        total=total,
        number=number,
        pages=pages,
        prev_url=f"?{urlencode({**base, 'page': number - 1})}" if number > 1 else None,
        next_url=f"?{urlencode({**base, 'page': number + 1})}" if number < pages else None,
        watchlists=watchlists,
        states=desk.STATES,
        flt=flt,
        date=q.get("date") or "",
    )


@signed_in
async def story(request: Request) -> Response:
    desk_: Desk = request.app.state.desk
    story_id = int(request.path_params["id"])
    official = list(desk_.cfg.monitor.stories.official_sources)

    def load(s: Session) -> Any:
        found = reads.load_stories(s, [story_id])
        if not found:
            return None
        rec = found[0]
        ids = [a.id for a in rec.articles]
        return rec, desk.bodies(s, ids), desk.copy_shares(s, ids), fb.feedback_of_articles(s, ids)

    loaded = await desk_.read(load)
    if loaded is None:
        raise HTTPException(404, f"no story {story_id}")
    rec, bodies, shares, feedback = loaded
    reports = timeline(rec.articles, bodies, shares, official)
    mentioned = sorted({p for h in rec.hits for p in h.people} - set(rec.people))
    return page(
        request,
        "story.html",
        story=rec,
        reports=reports,
        tree=citation_tree(reports),
        subjects=rec.people,
        mentioned=mentioned,
        feedback=[f for f in feedback if f.story_id == rec.id or f.other_id == rec.id],
    )


@signed_in
async def article(request: Request) -> Response:
    desk_: Desk = request.app.state.desk
    article_id = int(request.path_params["id"])

    def load(s: Session) -> Any:
        got = desk.article_row(s, article_id)
        if got is None:
            return None
        return (
            got,
            article_matches(s, [article_id]).get(article_id, []),
            fb.feedback_of_articles(s, [article_id]),
        )

    loaded = await desk_.read(load)
    if loaded is None:
        raise HTTPException(404, f"no article {article_id}")
    art, matches, feedback = loaded
    report: MatchReport = desk_.matcher.match(art.title, art.text)
    explained = [m for h in report.hits for m in h.matches]
    title_pieces = pieces(art.title, field_spans(explained, "title"))
    body_paras = paragraphs(pieces(art.text, field_spans(explained, "body")))
    return page(
        request,
        "article.html",
        article=art,
        report=report,
        explained=explained,
        title_pieces=title_pieces,
        body_paras=body_paras,
        stored=matches,
        feedback=feedback,
        active={f.id for f in fb.in_force(feedback)},
        watchlists=[w.id for w in desk_.cfg.watchlists],
    )


@signed_in
async def search(request: Request) -> Response:
    desk_: Desk = request.app.state.desk
    query = request.query_params.get("q", "")[:300]
    which = request.query_params.get("hit", "any")
    hit = {"hit": True, "miss": False}.get(which)
    results = await desk_.read(lambda s: search_articles(s, query, hit=hit, limit=100))
    return page(request, "search.html", q=query, which=which, results=results)


@signed_in
async def feeds(request: Request) -> Response:
    desk_: Desk = request.app.state.desk
    snap = await desk_.read(lambda s: snapshot(s, desk_.cfg, desk_.clock()))
    return page(request, "feeds.html", snap=snap)


@signed_in
async def add_feedback(request: Request) -> Response:
    desk_: Desk = request.app.state.desk
    form = await checked_form(request)
    if desk_.read_only:
        raise HTTPException(
            403, "this desk is read-only (monitor serve); feedback is recorded on the daemon's desk"
        )
    article_id = int(request.path_params["id"])
    user = str(request.scope["desk.user"])

    def write(s: Session) -> None:
        fb.add_feedback(
            s,
            label=str(form.get("label") or ""),
            who=user,
            now=desk_.clock(),
            article_id=article_id,
            watchlist=str(form.get("watchlist") or "") or None,
            story_id=_int(str(form.get("story_id") or ""), "story_id"),
            other_id=_int(str(form.get("other_id") or ""), "other_id"),
            note=str(form.get("note") or "") or None,
        )

    try:
        await desk_.read(write)
    except fb.FeedbackError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(
        security.local_path(str(form.get("next") or ""), f"/articles/{article_id}"), 303
    )


@signed_in
async def revoke(request: Request) -> Response:
    desk_: Desk = request.app.state.desk
    form = await checked_form(request)
    if desk_.read_only:
        raise HTTPException(403, "this desk is read-only (monitor serve)")
    fid = int(request.path_params["id"])
    user = str(request.scope["desk.user"])
    done = await desk_.read(lambda s: fb.revoke_feedback(s, fid, who=user, now=desk_.clock()))
    if not done:
        raise HTTPException(404, f"no feedback {fid} in force")
    return RedirectResponse(security.local_path(str(form.get("next") or "")), 303)


MAX_CONSOLE_CHARS = 200_000


def _watchlist_copy(cfg: AppConfig, wl_id: str | None) -> str:
    """A running watchlist as YAML, for the console's edited copy (nothing is saved)."""
    wl = next((w for w in cfg.watchlists if w.id == wl_id), None)
    if wl is None:
        return ""
    data = wl.model_dump(mode="json", exclude_defaults=True)
    return str(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100))


def _edited(text: str) -> tuple[Any, list[str]]:
    """A matcher for a pasted watchlist, or the problems that keep it from compiling."""
    try:
        data = yaml.safe_load(text)
        wl = WatchlistConfig.model_validate(data)
    except yaml.YAMLError as exc:
        return None, [f"not YAML: {exc}"]
    except ValidationError as exc:
        return None, [
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        ]
    return compile_watchlists([wl]), []


async def _fetch_article(cfg: AppConfig, url: str) -> tuple[str, list[str]]:
    """(title and body as the pipeline would extract them, problems) for a URL typed in the
    console. The URL is untrusted like a link in a feed: the SSRF guard applies."""
    try:
        async with Fetcher(cfg.monitor.fetch) as fetcher:
            got = await fetcher.fetch(url, untrusted=True)
    except FetchError as exc:
        return "", [f"{mask_url(url)}: {mask_urls_in(exc.message)}"]
    extracted = await run_in_threadpool(extract_article, got.body, got.final_url)
    if extracted is None:
        return "", [f"{mask_url(url)}: no article body found in the page"]
    return f"{extracted.title or ''}\n{extracted.text}", []


@signed_in
async def console(request: Request) -> Response:
    """Paste an article, see the hits and the closest misses of the running watchlists or of
    an edited copy of one; and each rule's precision by the analysts' corrections."""
    desk_: Desk = request.app.state.desk
    only = request.query_params.get("watchlist") or None
    values: dict[str, Any] = {
        "text": "",
        "url": "",
        "only": only,
        "edited": _watchlist_copy(desk_.cfg, request.query_params.get("copy")),
        "problems": [],
        "report": None,
    }
    if request.method == "POST":
        form = await checked_form(request)
        text = str(form.get("text") or "")[:MAX_CONSOLE_CHARS].replace("\r\n", "\n")
        url = str(form.get("url") or "").strip()[:2048]
        fetched: list[str] = []
        if url and not text.strip():
            text, fetched = await _fetch_article(desk_.cfg, url)
        edited = str(form.get("edited") or "")[:MAX_CONSOLE_CHARS]
        only = str(form.get("watchlist") or "") or None
        matcher, problems = _edited(edited) if edited.strip() else (desk_.matcher, [])
        problems = fetched + problems
        title, _, body = text.strip().partition("\n")
        report = None
        if matcher is not None:
            report = matcher.match(
                title.strip(), body.strip(), only=None if edited.strip() else only
            )
        explained = [m for h in report.hits for m in h.matches] if report else []
        values.update(
            url=url,
            text=text,
            only=only,
            edited=edited,
            problems=problems,
            report=report,
            explained=explained,
            title_pieces=pieces(title.strip(), field_spans(explained, "title")),
            body_paras=paragraphs(pieces(body.strip(), field_spans(explained, "body"))),
        )
    rules = await desk_.read(lambda s: fb.rule_precision(s, only))
    return page(
        request,
        "console.html",
        watchlists=[w.id for w in desk_.cfg.watchlists],
        rules=[r for r in rules if r.not_relevant or r.confirmed][:100],
        rules_total=len(rules),
        **values,
    )


def _link_claim(request: Request, token: str) -> LinkClaim:
    desk_: Desk = request.app.state.desk
    key = desk_.cfg.monitor.web.link_key
    claim = read_link(key.get_secret_value(), token, desk_.clock()) if key else None
    if claim is None:
        raise HTTPException(403, "this feedback link is invalid or has expired: open the story")
    return claim


async def one_click(request: Request) -> Response:
    """A signed link from a digest: the token is the credential (no sign-in); a GET only asks,
    the POST it leads to records (mail scanners open every link)."""
    desk_: Desk = request.app.state.desk
    token = str(request.path_params["token"])
    claim = _link_claim(request, token)
    if request.method == "POST":
        await checked_form(request)
        if desk_.read_only:
            raise HTTPException(403, "this desk is read-only (monitor serve)")
        who = f"link:{claim.channel}"

        def write(s: Session) -> int:
            found = reads.load_stories(s, [claim.story_id])
            if not found:
                raise HTTPException(404, f"no story {claim.story_id}")
            ids = [a.id for a in found[0].articles]
            for article_id in ids:
                fb.add_feedback(
                    s, label=claim.label, who=who, now=desk_.clock(), article_id=article_id,
                    watchlist=claim.watchlist, story_id=claim.story_id,
                )  # fmt: skip
            return len(ids)

        count = await desk_.read(write)
        return page(request, "one_click.html", claim=claim, done=count, token=token, story=None)
    found = await desk_.read(lambda s: reads.load_stories(s, [claim.story_id]))
    if not found:
        raise HTTPException(404, f"no story {claim.story_id}")
    return page(request, "one_click.html", claim=claim, done=None, token=token, story=found[0])


async def login(request: Request) -> Response:
    desk_: Desk = request.app.state.desk
    target = security.local_path(request.query_params.get("next"))
    if request.method == "GET":
        return page(request, "login.html", next=target, error=None)
    form = await checked_form(request)
    target = security.local_path(str(form.get("next") or ""))
    user = security.user_of_token(desk_.cfg.monitor.web.users, str(form.get("token") or ""))
    if user is None:
        return page(request, "login.html", status=403, next=target, error="unknown token")
    response = RedirectResponse(target, status_code=303)
    max_age = desk_.cfg.monitor.web.session_max_age.total_seconds()
    response.set_cookie(
        security.SESSION_COOKIE,
        desk_.signer.session(user, max_age),
        max_age=int(max_age),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


async def logout(request: Request) -> Response:
    await checked_form(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE)
    return response


async def home(request: Request) -> Response:
    return RedirectResponse("/stories", status_code=303)


async def error_page(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 500:
        log.error("desk: %s %s failed", request.method, request.url.path, exc_info=exc)
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    return page(request, "error.html", status=status, status_code=status, detail=detail)


class Headers:
    """Security headers on every response; the CSRF cookie for a browser that has none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def patched(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode().lower() not in security.SECURITY_HEADERS
                ]
                headers += [(k.encode(), v.encode()) for k, v in security.SECURITY_HEADERS.items()]
                nonce = scope.get("desk.new_nonce")
                if nonce:
                    cookie = f"{security.CSRF_COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Strict"
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, patched)


def create_app(
    cfg: AppConfig,
    sessions: sessionmaker[Session],
    *,
    read_only: bool = False,
    clock: Callable[[], datetime] = utcnow,
) -> Starlette:
    """The desk over this database; `read_only` (monitor serve) records no feedback."""
    routes = [
        Route("/", home),
        Route("/stories", stories),
        Route("/stories/{id:int}", story),
        Route("/articles/{id:int}", article),
        Route("/articles/{id:int}/feedback", add_feedback, methods=["POST"]),
        Route("/feedback/{id:int}/revoke", revoke, methods=["POST"]),
        Route("/search", search),
        Route("/feeds", feeds),
        Route("/console", console, methods=["GET", "POST"]),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/f/{token}", one_click, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("monitor.web", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: error_page, Exception: error_page},
    )
    key = cfg.monitor.web.session_key
    signer = security.Signer.from_secret(key.get_secret_value() if key else None)
    app.state.desk = Desk(cfg, sessions, read_only=read_only, clock=clock, signer=signer)
    app.add_middleware(Headers)
    return app
