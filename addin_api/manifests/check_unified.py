"""Checks of the unified manifest (Microsoft's schema from @microsoft/app-manifest + ours) and its zip."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from .common import (
    PLACEHOLDER_CLIENT_ID,
    REPO_ROOT,
    SEMVER3_RE,
    UNIFIED_FILE,
    load_json_object,
    local_static_file,
    origin,
    png_info,
)

SCHEMA_DIR = Path("@microsoft", "app-manifest", "build", "json-schemas", "teams")
SCHEMA_URL_RE = re.compile(
    r"^https://developer\.microsoft\.com/json-schemas/teams/(v\d+\.\d+|vDevPreview)/MicrosoftTeams\.schema\.json#?$"
)
RIBBON_SIZES = {16, 32, 80}
PACKAGE_ICON_SIZES = {"color": 192, "outline": 32, "color32x32": 32}
MAX_SCHEMA_ERRORS = 25


def find_node_modules(explicit: Path | None = None) -> Path | None:
    """node_modules holding @microsoft/app-manifest: explicit, repo root, or cwd and its parents."""
    if explicit is not None:
        return Path(explicit) if (Path(explicit) / SCHEMA_DIR).is_dir() else None
    for base in (REPO_ROOT, Path.cwd(), *Path.cwd().parents):
        if (base / "node_modules" / SCHEMA_DIR).is_dir():
            return base / "node_modules"
    return None


def shipped_schema_versions(node_modules: Path) -> list[str]:
    """Numeric manifest versions (e.g. '1.30') whose schema the installed package ships, oldest first."""
    found = [p.name[1:] for p in (node_modules / SCHEMA_DIR).iterdir() if re.match(r"^v\d+\.\d+$", p.name)]
    return sorted(found, key=lambda v: tuple(int(n) for n in v.split(".")))


def _schema_errors(manifest: dict, schema_file: Path) -> list[str]:
    """Validate with the JSON Schema draft the schema file declares (draft-04 for Microsoft's)."""
    from jsonschema import Draft4Validator
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for

    schema = json.loads(schema_file.read_text(encoding="utf-8-sig"))
    validator = validator_for(schema, default=Draft4Validator)(schema)
    out = []
    for error in sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path))):
        message = error.message
        if error.context:  # anyOf/oneOf: the closest branch says more than "is not valid under any"
            message += f" (closest: {best_match(error.context).message})"
        out.append(f"schema: {error.json_path}: {message[:300]}")
    if len(out) > MAX_SCHEMA_ERRORS:
        out = out[:MAX_SCHEMA_ERRORS] + [f"schema: ... and {len(out) - MAX_SCHEMA_ERRORS} more errors"]
    return out


def _strings(value, path="$"):
    """Yield (json path, string) for every string in a JSON value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


def _icon_file_problem(label: str, url: str, pixels: int, static_dir: Path) -> str | None:
    """A message when url maps to one of our static files that is missing or not pixels×pixels."""
    path = local_static_file(url, static_dir)
    if path is None:
        return None
    if not path.is_file():
        return f"{label} points to {url} but {path} does not exist"
    info = png_info(path.read_bytes())
    if info is None or (info.width, info.height) != (pixels, pixels):
        got = "not a PNG" if info is None else f"{info.width}x{info.height} px"
        return f"{label}: {path.name} is {got}, expected {pixels}x{pixels}"
    return None


def _control_icon_problems(kind: str, control: dict, static_dir: Path) -> list[str]:
    """One problem per icon of a ribbon control whose file is missing or not its declared size."""
    problems = [
        _icon_file_problem(
            f"{kind} {control.get('id')!r} icon {icon.get('size')}",
            icon.get("url", ""),
            icon.get("size") or 0,
            static_dir,
        )
        for icon in control.get("icons") or []
        if isinstance(icon, dict)
    ]
    return [p for p in problems if p]


def _check_mobile(ext: dict, static_dir: Path, out: list[str]) -> None:
    """Outlook mobile: a ribbon whose requirements.formFactors lists "mobile", with a mobile button group."""
    ribbons = [r for r in ext.get("ribbons") or [] if isinstance(r, dict)]
    mobile = [r for r in ribbons if "mobile" in ((r.get("requirements") or {}).get("formFactors") or [])]
    if not mobile:
        out.append(
            'no ribbon lists "mobile" in requirements.formFactors: '
            "Outlook on iOS and Android would not offer the add-in"
        )
    groups = [
        g for r in mobile for tab in r.get("tabs") or [] for g in tab.get("customMobileRibbonGroups") or []
    ]
    if mobile and not groups:
        out.append('the "mobile" ribbon has no tabs[].customMobileRibbonGroups: no button to open the pane')
    for group in groups:
        for control in group.get("controls") or []:
            out += _control_icon_problems("mobile control", control, static_dir)


def _check_extension(ext: dict, static_dir: Path, out: list[str]) -> str:
    """Task pane page, actions, ribbon icons and alternate icons of extensions[0]; returns the page origin."""
    runtimes = ext.get("runtimes") or []
    pages = [r.get("code", {}).get("page", "") for r in runtimes if isinstance(r, dict)]
    home = origin(pages[0]) if pages else ""
    actions = {
        a.get("id")
        for r in runtimes
        if isinstance(r, dict)
        for a in r.get("actions") or []
        if isinstance(a, dict)
    }
    for ribbon in ext.get("ribbons") or []:
        for tab in ribbon.get("tabs") or []:
            for group in tab.get("groups") or []:
                for control in group.get("controls") or []:
                    cid = control.get("id")
                    if control.get("actionId") and control["actionId"] not in actions:
                        out.append(f"ribbon control {cid!r} refers to unknown action {control['actionId']!r}")
                    icons = [i for i in control.get("icons") or [] if isinstance(i, dict)]
                    if not {i.get("size") for i in icons} >= RIBBON_SIZES:
                        out.append(f"ribbon control {cid!r} needs icons of sizes 16, 32 and 80")
                    out += _control_icon_problems("ribbon control", control, static_dir)
    _check_mobile(ext, static_dir, out)
    for alt in ext.get("alternates") or []:
        icons = alt.get("alternateIcons") or {}
        # The schema caps "size" at 80: the high-resolution file is checked for 128 px whatever it declares.
        for key, pixels in (("icon", 64), ("highResolutionIcon", 128)):
            if isinstance(icons.get(key), dict):
                msg = _icon_file_problem(
                    f"alternateIcons.{key}", icons[key].get("url", ""), pixels, static_dir
                )
                if msg:
                    out.append(msg)
    for path, value in _strings(ext, "$.extensions[0]"):
        # Compared only against an HTTPS page: an http page is reported once already, not once per URL.
        if value.lower().startswith("https://") and home.startswith("https://") and origin(value) != home:
            out.append(f"{path} URL {value} is not under the task pane's origin {home}")
    return home


def check_unified(text: str, static_dir: Path, node_modules: Path | None) -> list[str]:
    """Problems of one unified manifest text: schema errors first, then checks the schema cannot express."""
    manifest, problems = load_json_object(text)
    if manifest is None:
        return problems
    out: list[str] = []
    match = SCHEMA_URL_RE.match(str(manifest.get("$schema", "")))
    if not match:
        return out + [
            "$schema must be https://developer.microsoft.com/json-schemas/teams/vX.Y/MicrosoftTeams.schema.json"
        ]
    folder = match.group(1)
    expected_mv = "devPreview" if folder == "vDevPreview" else folder[1:]
    # Draft-04 validators ignore the schema's "const", so manifestVersion is compared here.
    if manifest.get("manifestVersion") != expected_mv:
        out.append(
            f"manifestVersion must be {expected_mv!r} to match $schema "
            f"(got {manifest.get('manifestVersion')!r})"
        )
    if node_modules is None:
        out.append(
            "cannot validate against Microsoft's schema: node_modules/@microsoft/app-manifest not found "
            "(run `npm install` in the repo root or pass --node-modules)"
        )
    else:
        schema_file = node_modules / SCHEMA_DIR / folder / "MicrosoftTeams.schema.json"
        if schema_file.is_file():
            out += _schema_errors(manifest, schema_file)
        else:
            out.append(f"@microsoft/app-manifest in {node_modules} does not ship the {folder} schema")

    if not SEMVER3_RE.match(str(manifest.get("version", ""))):
        out.append(f"version must be n.n.n with up to 5 digits per part (got {manifest.get('version')!r})")
    for path, value in _strings(manifest):
        if value.lower().startswith("http://"):
            out.append(f"{path} must be an HTTPS URL: {value}")
    exts = manifest.get("extensions")
    home = (
        _check_extension(exts[0], static_dir, out)
        if isinstance(exts, list) and exts and isinstance(exts[0], dict)
        else ""
    )
    if not home:
        out.append("extensions[0].runtimes[0].code.page (the task pane URL) is missing")
    wai = manifest.get("webApplicationInfo")
    if isinstance(wai, dict):
        if wai.get("id") == PLACEHOLDER_CLIENT_ID:
            out.append("webApplicationInfo.id is the placeholder GUID: set ADDIN_MS_CLIENT_ID and regenerate")
        elif home and wai.get("resource") != f"api://{home.split('://', 1)[1]}/{wai.get('id')}":
            out.append(
                f"webApplicationInfo.resource must be api://{home.split('://', 1)[1]}/{wai.get('id')} "
                f"(got {wai.get('resource')!r})"
            )
    return out


def check_package(
    data: bytes, static_dir: Path, node_modules: Path | None, checked_text: str | None = None
) -> tuple[list[str], str | None]:
    """Problems of the app package zip, and the manifest.json text inside it (None if absent).

    A packaged manifest identical to checked_text (already checked from the folder) is not reported twice.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ["not a zip file"], None
    names = set(zf.namelist())
    out = [
        f"{n!r} is in a folder; the package must keep every file at the zip root" for n in names if "/" in n
    ]
    if UNIFIED_FILE not in names:
        return out + [f"{UNIFIED_FILE} is missing from the package"], None
    text = zf.read(UNIFIED_FILE).decode("utf-8-sig", errors="replace")
    if text != checked_text:
        out += [f"{UNIFIED_FILE}: {p}" for p in check_unified(text, static_dir, node_modules)]
    try:
        icons = json.loads(text).get("icons") or {}
    except (ValueError, AttributeError):
        icons = {}
    for key, pixels in PACKAGE_ICON_SIZES.items():
        name = icons.get(key) if isinstance(icons, dict) else None
        if not isinstance(name, str):
            continue
        if name not in names:
            out.append(f"icons.{key} {name!r} is not in the package")
            continue
        info = png_info(zf.read(name))
        if info is None:
            out.append(f"icons.{key} {name!r} is not a PNG file")
        elif (info.width, info.height) != (pixels, pixels):
            out.append(f"icons.{key} {name!r} is {info.width}x{info.height} px, expected {pixels}x{pixels}")
        elif key == "outline" and not info.has_alpha:
            out.append(f"icons.outline {name!r} must have a transparent background (no alpha channel found)")
    return out, text
