#!/usr/bin/env python3
"""Media wiring: configures the media apps through their own HTTP APIs, with no clicks.

Runs to completion once per deployment (the workload model's `job` mode) in a small image with a
Python 3 interpreter and nothing else: standard library only. It reads a JSON plan (the path in
WIRING_PLAN, default /etc/homeport/wiring.json) that names the enabled apps, their in-cluster base
URLs and the FILES that hold their API keys and passwords; secret values never come from argv or the
environment and never reach the output (every secret read is redacted from every message).

For every app it waits for the unauthenticated health endpoint, then reads, compares and only then
creates or updates. A run that finds everything in place writes nothing and ends with "no change".
A wrong key, an unreachable app or a payload the app refuses ends the job with a non-zero exit and
the app's own message.
"""

import copy
import hashlib
import html
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

# ---------------------------------------------------------------------------------------------
# Secrets and output
# ---------------------------------------------------------------------------------------------

_SECRETS = set()
_CHANGES = []
MASKED = "********"  # Sonarr.Http/ClientSchema/SchemaBuilder.cs PRIVATE_VALUE (Sonarr/Sonarr)


class WiringError(Exception):
    """A failure that ends the job; its text is printed redacted."""


def read_secret(path, what):
    """Reads a secret file (orchestrator secrets are files) and registers it for redaction."""
    try:
        with open(path, encoding="utf-8") as handle:
            value = handle.read().strip("\r\n")
    except OSError as error:
        raise WiringError(f"{what}: cannot read the secret file {path}: {error.strerror}") from None
    if not value:
        raise WiringError(f"{what}: the secret file {path} is empty")
    _SECRETS.add(value)
    return value


def redact(text):
    text = str(text)
    for value in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(value, "***")
        text = text.replace(urllib.parse.quote(value, safe=""), "***")
    return text


def say(line):
    print(redact(line), flush=True)


def change(line):
    _CHANGES.append(line)
    say(line)


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------


def app_message(body):
    """The app's own error text, from the error shapes the apps publish:
    - Sonarr/Radarr/Prowlarr 400: a JSON array of FluentValidation failures
      ({propertyName, errorMessage, ...}), Sonarr.Http/ErrorManagement/SonarrErrorPipeline.cs;
      other errors: {message, description} (Sonarr.Http/ErrorManagement/ErrorModel.cs);
    - Portainer: {message, details} (portainer/portainer pkg/libhttp/error/error.go);
    - Jellyfin: ProblemDetails {title, errors} or plain text (Jellyfin.Api/Controllers/*);
    - Bazarr: plain text or Flask's HTML abort page (morpheus65535/bazarr bazarr/api/utils.py);
    - Jackett: <error code=".." description=".."/> (Jackett/Jackett
      src/Jackett.Server/Controllers/ResultsController.cs).
    """
    text = body.decode("utf-8", "replace").strip() if body else ""
    if not text:
        return ""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, list):
        parts = []
        for item in data:
            if isinstance(item, dict):
                prop = item.get("propertyName") or ""
                msg = item.get("errorMessage") or item.get("message") or json.dumps(item)
                detail = item.get("detailedDescription")
                parts.append(f"{prop}: {msg}" if prop else msg)
                if detail:
                    parts[-1] += f" ({detail})"
            else:
                parts.append(str(item))
        return "; ".join(parts)
    if isinstance(data, dict):
        for keys in (("message", "details"), ("title", "errors"), ("error", "description")):
            if data.get(keys[0]):
                extra = data.get(keys[1])
                if isinstance(extra, dict):
                    extra = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in extra.items())
                return f"{data[keys[0]]}" + (f": {extra}" if extra else "")
        return json.dumps(data)
    if isinstance(data, str):
        return data
    if text.startswith("<"):
        try:
            root = ET.fromstring(text)
            if root.tag == "error":
                return f"{root.get('description')} (code {root.get('code')})"
        except ET.ParseError:
            pass
        return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())[:300]
    return text[:500]


class Response:
    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers

    def json(self, what):
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            # Prowlarr answers a wrong path with 200 and its HTML page (research notes, §1.2).
            raise WiringError(f"{what}: expected JSON, got {self.body[:80]!r}") from None


class Client:
    """One app's HTTP API: base URL, auth headers, and its name for messages."""

    def __init__(self, app, base_url, headers=None, timeout=30):
        self.app = app
        self.base = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.timeout = timeout

    def call(self, method, path, *, json_body=None, form=None, multipart=None, query=None,
             ok=(200, 201, 202, 204), headers=None):
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        data = None
        hdrs = {"Accept": "application/json", **self.headers, **(headers or {})}
        if json_body is not None:
            data = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        elif multipart is not None:
            boundary = uuid.uuid4().hex
            chunks = []
            for key, value in multipart.items():
                chunks.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                    f"{value}\r\n"
                )
            chunks.append(f"--{boundary}--\r\n")
            data = "".join(chunks).encode()
            hdrs["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        request = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        what = f"{self.app}: {method} {path}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                response = Response(answer.status, answer.read(), answer.headers)
        except urllib.error.HTTPError as error:
            response = Response(error.code, error.read(), error.headers)
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise WiringError(f"{what}: {self.base} is unreachable: {reason}") from None
        if ok is not None and response.status not in ok:
            message = app_message(response.body) or _STATUS_TEXT.get(response.status, "")
            raise WiringError(f"{what} failed with HTTP {response.status}: {message}")
        return response

    def get_json(self, path, **kwargs):
        return self.call("GET", path, **kwargs).json(f"{self.app}: GET {path}")


_STATUS_TEXT = {
    401: "Unauthorized (the app refused the API key or credentials)",
    403: "Forbidden",
    404: "Not Found",
}


def wait_healthy(app, url, path, timeout, accept=(200,)):
    """Polls an unauthenticated health endpoint until it answers `accept` or the time is up."""
    client = Client(app, url, timeout=5)
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        try:
            response = client.call("GET", path, ok=None)
            if response.status in accept:
                return
            last = f"HTTP {response.status} {app_message(response.body)}".strip()
        except WiringError as error:
            last = str(error)
        if time.monotonic() >= deadline:
            raise WiringError(f"{app}: not healthy after {timeout:g}s at {url}{path}: {last}")
        time.sleep(min(2.0, max(0.1, timeout / 10)))


# ---------------------------------------------------------------------------------------------
# The *arr provider API (download clients, indexers, Prowlarr applications)
# ---------------------------------------------------------------------------------------------
# Sonarr/Sonarr src/Sonarr.Api.V3/ProviderControllerBase.cs: GET {resource} lists, GET
# {resource}/schema gives one template per implementation, POST creates (201) after a live test
# unless ?forceSave=true, PUT {resource}/{id} updates (202), POST {resource}/test tests without
# saving. Secret fields (Privacy ApiKey/Password) come back as "********", and sending "********"
# back keeps the stored value (Sonarr.Http/ClientSchema/SchemaBuilder.cs ReadFromSchema).
# Field names are the camel-cased setting properties (e.g. TransmissionSettings.cs).


def _norm(value):
    if isinstance(value, list) and all(isinstance(v, (int, float)) for v in value):
        return sorted(value)
    return value


def _fields(resource):
    return {f["name"]: f.get("value") for f in resource.get("fields", [])}


def _apply(base, desired):
    body = copy.deepcopy(base)
    body.pop("presets", None)
    body["name"] = desired["name"]
    body["implementation"] = desired["implementation"]
    body["configContract"] = desired["configContract"]
    body.update(copy.deepcopy(desired.get("props", {})))
    known = {f["name"] for f in body.get("fields", [])}
    missing = sorted(set(desired["fields"]) - known)
    if missing:
        raise WiringError(
            f"the {desired['implementation']} schema has no field {', '.join(missing)}; "
            "the app's API changed: pin the image version this job was written for"
        )
    for field in body["fields"]:
        if field["name"] in desired["fields"]:
            field["value"] = copy.deepcopy(desired["fields"][field["name"]])
    return body


def reconcile_provider(client, api, resource, label, desired):
    """Creates or updates one provider (matched by name, as the app keeps names unique)."""
    path = f"{api}/{resource}"
    name = desired["name"]
    existing = client.get_json(path)
    match = next((x for x in existing if str(x.get("name", "")).lower() == name.lower()), None)

    def template():
        schema = client.get_json(f"{path}/schema")
        found = next(
            (s for s in schema if s.get("implementation") == desired["implementation"]), None
        )
        if found is None:
            raise WiringError(
                f"{client.app}: {path}/schema has no {desired['implementation']} implementation"
            )
        return found

    if match is None:
        body = _apply(template(), desired)
        body.pop("id", None)
        client.call("POST", path, json_body=body)
        change(f"{client.app}: {label} '{name}' created")
        return
    if match.get("implementation") != desired["implementation"]:
        # Same name, another kind (e.g. qBittorrent where Transmission is wanted): replace its
        # settings with a fresh template of the wanted kind, keeping the id.
        body = {**_apply(template(), desired), "id": match["id"]}
        client.call("PUT", f"{path}/{match['id']}", json_body=body)
        change(f"{client.app}: {label} '{name}' updated (implementation)")
        return
    have = _fields(match)
    differs = [
        key
        for key, value in desired["fields"].items()
        if have.get(key) != MASKED and _norm(have.get(key)) != _norm(value)
    ]
    differs += [
        key for key, value in desired.get("props", {}).items() if _norm(match.get(key)) != _norm(value)
    ]
    if differs:
        client.call("PUT", f"{path}/{match['id']}", json_body=_apply(match, desired))
        change(f"{client.app}: {label} '{name}' updated ({', '.join(sorted(differs))})")
        return
    masked = [k for k in desired["fields"] if have.get(k) == MASKED]
    if masked:
        # The stored secret cannot be read back: let the app test what it holds.
        tested = client.call("POST", f"{path}/test", json_body=match, ok=None)
        if tested.status not in (200, 201, 202, 204):
            reason = app_message(tested.body) or f"HTTP {tested.status}"
            client.call("PUT", f"{path}/{match['id']}", json_body=_apply(match, desired))
            change(
                f"{client.app}: {label} '{name}' updated ({', '.join(masked)}: the stored value "
                f"failed the app's test: {reason})"
            )
            return
    say(f"{client.app}: {label} '{name}' up to date")


def arr_client(plan_app, app):
    key = read_secret(plan_app["apiKeyFile"], f"{app} API key")
    return Client(app, plan_app["url"], {"X-Api-Key": key}), key


def reconcile_root_folders(client, paths):
    # Sonarr/Sonarr src/Sonarr.Api.V3/RootFolders/RootFolderController.cs: GET/POST {path}; the
    # path must exist and be writable (PathExistsValidator, FolderWritableValidator).
    existing = {r.get("path", "").rstrip("/") for r in client.get_json("/api/v3/rootfolder")}
    for path in paths:
        if path.rstrip("/") in existing:
            say(f"{client.app}: root folder {path} up to date")
            continue
        client.call("POST", "/api/v3/rootfolder", json_body={"path": path})
        change(f"{client.app}: root folder {path} created")


def reconcile_login(client, api, login):
    """The *arr's own forms login, with the user the plan names (the apps keep auth on).

    Sonarr/Sonarr src/Sonarr.Api.V3/Config/HostConfigController.cs (Prowlarr:
    src/Prowlarr.Api.V1/Config/HostConfigController.cs): GET {api}/config/host returns the user
    name and the stored hash, never the password; PUT {api}/config/host/{id} saves the resource and
    upserts the user. A password changed in the app by hand is therefore kept: only a missing user,
    another user name or another authentication method is corrected.
    """
    password = read_secret(login["passwordFile"], f"{client.app} login password")
    host = client.get_json(f"{api}/config/host")
    if host.get("authenticationMethod") == "forms" and host.get("username") == login["user"]:
        say(f"{client.app}: login '{login['user']}' up to date")
        return
    body = dict(host)
    body.update(
        {
            "authenticationMethod": "forms",
            "authenticationRequired": "enabled",
            "username": login["user"],
            "password": password,
            "passwordConfirmation": password,
        }
    )
    client.call("PUT", f"{api}/config/host/{host.get('id', 1)}", json_body=body)
    change(f"{client.app}: login '{login['user']}' set (forms authentication)")


# What each *arr calls its settings (Sonarr TransmissionSettings.cs / QBittorrentSettings.cs,
# Radarr/Radarr src/NzbDrone.Core/Download/Clients/{Transmission,QBittorrent}/*Settings.cs).
ARR_FIELDS = {
    "sonarr": {"category": "tvCategory", "recent": "recentTvPriority", "older": "olderTvPriority"},
    "radarr": {
        "category": "movieCategory",
        "recent": "recentMoviePriority",
        "older": "olderMoviePriority",
    },
}
CLIENT_IMPLEMENTATIONS = {
    "transmission": ("Transmission", "TransmissionSettings"),
    "qbittorrent": ("QBittorrent", "QBittorrentSettings"),
}


def desired_download_client(app, dl, password):
    implementation, contract = CLIENT_IMPLEMENTATIONS[dl["kind"]]
    names = ARR_FIELDS[app]
    fields = {
        "host": dl["host"],
        "port": dl["port"],
        "useSsl": False,
        "username": dl["username"],
        "password": password,
        names["category"]: dl["categories"][app],
    }
    if dl["kind"] == "transmission":
        fields["urlBase"] = dl.get("urlBase", "/transmission/")
    return {
        "name": dl["name"],
        "implementation": implementation,
        "configContract": contract,
        "fields": fields,
        "props": {"enable": True, "protocol": "torrent", "priority": 1},
    }


# Prowlarr/Prowlarr src/NzbDrone.Core/Applications/{Sonarr,Radarr}/*Settings.cs: the default
# categories Prowlarr itself proposes; src/Prowlarr.Api.V1/Applications/ApplicationResource.cs
# (syncLevel: disabled | addOnly | fullSync, camel-cased by STJson).
PROWLARR_APPS = {
    "sonarr": {
        "implementation": "Sonarr",
        "configContract": "SonarrSettings",
        "fields": {
            "syncCategories": [5000, 5010, 5020, 5030, 5040, 5045, 5050, 5090],
            "animeSyncCategories": [5070],
        },
    },
    "radarr": {
        "implementation": "Radarr",
        "configContract": "RadarrSettings",
        "fields": {
            "syncCategories": [2000, 2010, 2020, 2030, 2040, 2045, 2050, 2060, 2070, 2080, 2090]
        },
    },
}

# Torznab categories for Jackett feeds in each *arr (Newznab standard: 5000 TV, 2000 Movies).
JACKETT_CATEGORIES = {"sonarr": [5000, 5030, 5040], "radarr": [2000, 2030, 2040, 2045]}


def wire_prowlarr(plan, arrs):
    app = plan["apps"]["prowlarr"]
    client, _ = arr_client(app, "prowlarr")
    for name in ("sonarr", "radarr"):
        if name not in arrs:
            continue
        spec = PROWLARR_APPS[name]
        fields = dict(spec["fields"])
        fields.update(
            {"prowlarrUrl": app["url"], "baseUrl": plan["apps"][name]["url"], "apiKey": arrs[name][1]}
        )
        desired = {
            "name": name.capitalize(),
            "implementation": spec["implementation"],
            "configContract": spec["configContract"],
            "fields": fields,
            "props": {"syncLevel": "fullSync"},
        }
        reconcile_provider(client, "/api/v1", "applications", "application", desired)


def jackett_indexers(app, key):
    # Jackett/Jackett src/Jackett.Server/Controllers/ResultsController.cs: the meta indexer "all"
    # answers t=indexers (configured=true) with <indexers><indexer id=".."><title>..</title>.
    client = Client("jackett", app["url"])
    response = client.call(
        "GET",
        "/api/v2.0/indexers/all/results/torznab/api",
        query={"t": "indexers", "configured": "true", "apikey": key},
    )
    try:
        root = ET.fromstring(response.body)
    except ET.ParseError:
        raise WiringError("jackett: t=indexers did not answer XML") from None
    return [(i.get("id"), (i.findtext("title") or i.get("id"))) for i in root.iter("indexer")]


def wire_jackett(plan, arrs):
    app = plan["apps"]["jackett"]
    key = read_secret(app["apiKeyFile"], "jackett API key")
    indexers = jackett_indexers(app, key)
    if not indexers:
        say("jackett: no indexer configured in Jackett yet; add trackers there, the next run adds them")
    for name, (client, _) in arrs.items():
        for indexer_id, title in indexers:
            # Sonarr/Sonarr src/NzbDrone.Core/Indexers/Torznab/TorznabSettings.cs (NewznabSettings:
            # baseUrl, apiPath, apiKey, categories).
            desired = {
                "name": f"{title} (Jackett)",
                "implementation": "Torznab",
                "configContract": "TorznabSettings",
                "fields": {
                    "baseUrl": f"{app['url'].rstrip('/')}/api/v2.0/indexers/{indexer_id}/results/torznab/",
                    "apiPath": "/api",
                    "apiKey": key,
                    "categories": JACKETT_CATEGORIES[name],
                },
                "props": {
                    "enableRss": True,
                    "enableAutomaticSearch": True,
                    "enableInteractiveSearch": True,
                    "priority": 25,
                },
            }
            reconcile_provider(client, "/api/v3", "indexer", "indexer", desired)


# ---------------------------------------------------------------------------------------------
# Bazarr
# ---------------------------------------------------------------------------------------------
# morpheus65535/bazarr bazarr/api/system/settings.py: GET returns the settings as JSON
# (app/config.py get_settings), POST takes form fields "settings-<section>-<key>" and answers 204
# (406 with the validator's message). bazarr/api/utils.py authenticate: X-API-KEY header.


def wire_bazarr(plan, arrs):
    app = plan["apps"]["bazarr"]
    key = read_secret(app["apiKeyFile"], "bazarr API key")
    client = Client("bazarr", app["url"], {"X-API-KEY": key})
    current = client.get_json("/api/system/settings")
    form = {}
    touched = []
    for name, (_, arr_key) in arrs.items():
        before = len(form)
        target = urllib.parse.urlsplit(plan["apps"][name]["url"])
        want = {
            "ip": target.hostname,
            "port": target.port or (443 if target.scheme == "https" else 80),
            "base_url": target.path or "/",
            "ssl": target.scheme == "https",
            "apikey": arr_key,
        }
        section = current.get(name, {})
        if current.get("general", {}).get(f"use_{name}") is not True:
            form[f"settings-general-use_{name}"] = "true"
        for field, value in want.items():
            if section.get(field) != value:
                text = ("true" if value else "false") if isinstance(value, bool) else str(value)
                form[f"settings-{name}-{field}"] = text
        if len(form) > before:
            touched.append(name)
    login = app.get("login")
    if login:
        # bazarr/app/config.py: auth.type in (None, basic, form); save_settings stores the md5 of
        # settings-auth-password, and GET returns that digest, so it can be compared.
        password = read_secret(login["passwordFile"], "bazarr login password")
        auth = current.get("auth", {})
        digest = hashlib.md5(password.encode("utf-8")).hexdigest()
        if (auth.get("type"), auth.get("username"), auth.get("password")) != (
            "form",
            login["user"],
            digest,
        ):
            form.update(
                {
                    "settings-auth-type": "form",
                    "settings-auth-username": login["user"],
                    "settings-auth-password": password,
                }
            )
            touched.append("its login")
    if not form:
        say("bazarr: sonarr/radarr connections up to date")
        return
    client.call("POST", "/api/system/settings", form=form)
    change(f"bazarr: connection to {' and '.join(touched)} set ({', '.join(sorted(form))})")


def kept_config(app, user, status, message):
    """The admin of an app set up before this deployment refuses the generated password: the app's
    /config outlived `pulumi destroy` (the part retains it), the password went with the state."""
    return WiringError(
        f"{app}: set up before this deployment, it refuses the administrator '{user}' with this "
        f"deployment's generated password (HTTP {status}: {message}): {app}'s /config was kept from an earlier "
        f"deployment, whose password went with that stack's state. Delete the {app}-config volume "
        f"(its users and settings go with it) and deploy again"
    )


# ---------------------------------------------------------------------------------------------
# Jellyfin
# ---------------------------------------------------------------------------------------------
# jellyfin/jellyfin Jellyfin.Api/Controllers/StartupController.cs (the wizard, allowed anonymously
# until it completes: Jellyfin.Api/Auth/FirstTimeSetupPolicy/FirstTimeSetupHandler.cs),
# UserController.cs POST /Users/AuthenticateByName {Username, Pw} -> {AccessToken, User},
# LibraryStructureController.cs (/Library/VirtualFolders), ConfigurationController.cs
# (/System/Configuration), MediaBrowser.Model/System/PublicSystemInfo.cs (StartupWizardCompleted).
# Authorization header: `MediaBrowser Client="..", Device="..", DeviceId="..", Version="..",
# Token=".."` (Jellyfin.Server.Implementations/Security/AuthorizationContext.cs).


def jellyfin_auth(token=None):
    parts = 'Client="homeport-wiring", Device="wiring-job", DeviceId="homeport-wiring", Version="1"'
    if token:
        parts += f', Token="{token}"'
    return {"Authorization": f"MediaBrowser {parts}"}


def wire_jellyfin(plan):
    app = plan["apps"]["jellyfin"]
    password = read_secret(app["adminPasswordFile"], "jellyfin admin password")
    anon = Client("jellyfin", app["url"], jellyfin_auth())
    info = anon.get_json("/System/Info/Public")
    locale = {
        "UICulture": app["uiCulture"],
        "MetadataCountryCode": app["metadataCountryCode"],
        "PreferredMetadataLanguage": app["preferredMetadataLanguage"],
    }
    set_up = bool(info.get("StartupWizardCompleted"))
    if not set_up:
        current = anon.get_json("/Startup/Configuration")
        anon.call("POST", "/Startup/Configuration", json_body={**current, **locale})
        # Jellyfin 10.11 creates the first user when this is read (jellyfin#16720).
        anon.get_json("/Startup/User")
        anon.call("POST", "/Startup/User", json_body={"Name": app["adminUser"], "Password": password})
        anon.call(
            "POST",
            "/Startup/RemoteAccess",
            json_body={"EnableRemoteAccess": True, "EnableAutomaticPortMapping": False},
        )
        anon.call("POST", "/Startup/Complete")
        change(f"jellyfin: first-run wizard completed (admin {app['adminUser']}, {app['uiCulture']})")
    login = anon.call(
        "POST",
        "/Users/AuthenticateByName",
        json_body={"Username": app["adminUser"], "Pw": password},
        ok=(200, 401) if set_up else (200,),
    )
    if login.status == 401:
        raise kept_config("jellyfin", app["adminUser"], 401, app_message(login.body))
    session = login.json("jellyfin: POST /Users/AuthenticateByName")
    token = session["AccessToken"]
    _SECRETS.add(token)
    client = Client("jellyfin", app["url"], jellyfin_auth(token))
    config = client.get_json("/System/Configuration")
    if any(config.get(k) != v for k, v in locale.items()):
        client.call("POST", "/System/Configuration", json_body={**config, **locale})
        change(f"jellyfin: locale set to {app['uiCulture']} / {app['metadataCountryCode']}")
    folders = {f.get("Name"): f for f in client.get_json("/Library/VirtualFolders")}
    for library in app["libraries"]:
        name = library["name"]
        have = folders.get(name)
        if have is None:
            client.call(
                "POST",
                "/Library/VirtualFolders",
                query={
                    "name": name,
                    "collectionType": library["collectionType"],
                    "paths": library["path"],
                    "refreshLibrary": "true",
                },
                json_body={"LibraryOptions": {"EnableRealtimeMonitor": True}},
            )
            change(f"jellyfin: library '{name}' created ({library['path']})")
            continue
        if have.get("CollectionType") != library["collectionType"]:
            raise WiringError(
                f"jellyfin: library '{name}' exists with type {have.get('CollectionType')}, "
                f"not {library['collectionType']}; rename or remove it in Jellyfin"
            )
        if library["path"].rstrip("/") not in [p.rstrip("/") for p in have.get("Locations", [])]:
            client.call(
                "POST",
                "/Library/VirtualFolders/Paths",
                query={"refreshLibrary": "true"},
                json_body={"Name": name, "PathInfo": {"Path": library["path"]}},
            )
            change(f"jellyfin: path {library['path']} added to library '{name}'")
            continue
        say(f"jellyfin: library '{name}' up to date")


# ---------------------------------------------------------------------------------------------
# Portainer
# ---------------------------------------------------------------------------------------------
# portainer/portainer api/http/handler/users/admin_check.go (GET /api/users/admin/check: 204 when
# an admin exists, 404 when not), admin_init.go (POST /api/users/admin/init {Username, Password};
# 409 once initialised), api/http/handler/auth/authenticate.go (POST /api/auth -> {jwt}; 422
# "Invalid credentials"), api/http/handler/endpoints/endpoint_create.go (multipart: Name,
# EndpointCreationType 1 local Docker | 2 agent | 5 local Kubernetes, URL, TLS*), endpoint_update.go
# (PUT /api/endpoints/{id} JSON), api/portainer.go Endpoint {Id, Name, Type, URL}.

PORTAINER_KINDS = {
    # kind: (EndpointCreationType, Endpoint.Type values it becomes, sends URL, uses TLS)
    "agent": (2, {2, 6}, True, True),
    "docker-local": (1, {1}, True, False),
    "kubernetes-local": (5, {5}, False, False),
}


def wire_portainer(plan):
    app = plan["apps"]["portainer"]
    password = read_secret(app["adminPasswordFile"], "portainer admin password")
    anon = Client("portainer", app["url"])
    check = anon.call("GET", "/api/users/admin/check", ok=(204, 404))
    if check.status == 404:
        anon.call("POST", "/api/users/admin/init",
                  json_body={"Username": app["adminUser"], "Password": password})
        change(f"portainer: administrator {app['adminUser']} created")
    login = anon.call(
        "POST", "/api/auth", json_body={"Username": app["adminUser"], "Password": password},
        ok=(200, 422) if check.status == 204 else (200,),
    )
    if login.status == 422:
        raise kept_config("portainer", app["adminUser"], 422, app_message(login.body))
    jwt = login.json("portainer: POST /api/auth")["jwt"]
    _SECRETS.add(jwt)
    client = Client("portainer", app["url"], {"Authorization": f"Bearer {jwt}"})
    existing = {e.get("Name"): e for e in client.get_json("/api/endpoints")}
    for endpoint in app["endpoints"]:
        name = endpoint["name"]
        creation, types, with_url, tls = PORTAINER_KINDS[endpoint["kind"]]
        have = existing.get(name)
        if have is None:
            form = {"Name": name, "EndpointCreationType": str(creation)}
            if with_url:
                form["URL"] = endpoint["url"]
            if tls:
                form.update({"TLS": "true", "TLSSkipVerify": "true", "TLSSkipClientVerify": "true"})
            client.call("POST", "/api/endpoints", multipart=form)
            change(f"portainer: environment '{name}' created ({endpoint['kind']})")
            continue
        if have.get("Type") not in types:
            raise WiringError(
                f"portainer: environment '{name}' exists with type {have.get('Type')}, not "
                f"{endpoint['kind']}; rename or remove it in Portainer"
            )
        if with_url and have.get("URL") != endpoint["url"]:
            client.call("PUT", f"/api/endpoints/{have['Id']}", json_body={"URL": endpoint["url"]})
            change(f"portainer: environment '{name}' URL set to {endpoint['url']}")
            continue
        say(f"portainer: environment '{name}' up to date")


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

# Unauthenticated health endpoints: Sonarr.Http/Ping/PingController.cs (/ping, also Radarr and
# Prowlarr); bazarr/api/system/ping.py (/api/system/ping); Jellyfin.Server/Startup.cs (/health);
# portainer api/http/handler/system/handler.go (/api/system/status, public). Jackett has no health
# route: its login page answers without a session. Transmission's RPC answers 409 (no session id
# yet) or 401 (no credentials) once it listens; qBittorrent's API answers 403 without a cookie.
HEALTH = {
    "sonarr": ("/ping", (200,)),
    "radarr": ("/ping", (200,)),
    "prowlarr": ("/ping", (200,)),
    "jackett": ("/UI/Login", (200,)),
    "bazarr": ("/api/system/ping", (200,)),
    "jellyfin": ("/health", (200,)),
    "portainer": ("/api/system/status", (200,)),
}
DOWNLOAD_CLIENT_HEALTH = {
    "transmission": lambda dl: (dl.get("urlBase", "/transmission/").rstrip("/") + "/rpc", (401, 409)),
    "qbittorrent": lambda dl: ("/api/v2/app/version", (200, 403)),
}


def run(plan):
    apps = plan.get("apps", {})
    unknown = sorted(set(apps) - set(HEALTH))
    if unknown:
        raise WiringError(f"plan: unknown app {', '.join(unknown)}; known: {', '.join(sorted(HEALTH))}")
    timeout = float(plan.get("healthTimeoutSeconds", 600))
    for name, app in apps.items():
        wait_healthy(name, app["url"], HEALTH[name][0], timeout, HEALTH[name][1])
    dl = plan.get("downloadClient")
    if dl:
        path, accept = DOWNLOAD_CLIENT_HEALTH[dl["kind"]](dl)
        wait_healthy(dl["kind"], f"http://{dl['host']}:{dl['port']}", path, timeout, accept)

    arrs = {name: arr_client(apps[name], name) for name in ("sonarr", "radarr") if name in apps}
    for name, api in (("sonarr", "/api/v3"), ("radarr", "/api/v3"), ("prowlarr", "/api/v1")):
        if name in apps and apps[name].get("login"):
            client = arrs[name][0] if name in arrs else arr_client(apps[name], name)[0]
            reconcile_login(client, api, apps[name]["login"])
    if dl:
        password = read_secret(dl["passwordFile"], f"{dl['kind']} password")
        for name, (client, _) in arrs.items():
            desired = desired_download_client(name, dl, password)
            reconcile_provider(client, "/api/v3", "downloadclient", "download client", desired)
    for name, (client, _) in arrs.items():
        reconcile_root_folders(client, plan["rootFolders"][name])
    if "prowlarr" in apps:
        wire_prowlarr(plan, arrs)
    if "jackett" in apps:
        wire_jackett(plan, arrs)
    if "bazarr" in apps and arrs:
        wire_bazarr(plan, arrs)
    if "jellyfin" in apps:
        wire_jellyfin(plan)
    if "portainer" in apps:
        wire_portainer(plan)
    if _CHANGES:
        say(f"{len(_CHANGES)} change(s)")
    else:
        say("no change")


def main():
    path = os.environ.get("WIRING_PLAN", "/etc/homeport/wiring.json")
    try:
        with open(path, encoding="utf-8") as handle:
            plan = json.load(handle)
        run(plan)
    except WiringError as error:
        print(f"wiring failed: {redact(error)}", file=sys.stderr, flush=True)
        return 1
    except (OSError, ValueError, KeyError) as error:
        print(f"wiring failed: plan {path}: {redact(repr(error))}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
