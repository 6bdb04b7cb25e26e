"""Manifest rendering, `manifest check` on good and deliberately broken manifests, and the CLI exit codes."""

from __future__ import annotations

import importlib.util
import io
import json
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from addin_api.manifests import (
    OUTLOOK_XML_ID,
    UNIFIED_APP_ID,
    UNIFIED_MANIFEST_VERSION,
    ManifestError,
    check_dir,
    main,
    office_version,
    render_all,
)
from addin_api.manifests.check_unified import find_node_modules, shipped_schema_versions
from addin_api.manifests.common import NS_APP, NS_VO11, NS_XSI, REPO_ROOT, TEMPLATE_DIR, png_info

BASE = "https://addin.example.com"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
SETTINGS = SimpleNamespace(ms_client_id=CLIENT_ID, ms_authority="https://login.microsoftonline.com")
NODE_MODULES = find_node_modules()

needs_schema = pytest.mark.usefixtures("schema_installed")


@pytest.fixture
def schema_installed():
    """Microsoft's schemas come from npm; without them these tests fail rather than silently skip."""
    assert NODE_MODULES is not None, (
        "node_modules/@microsoft/app-manifest missing: run `npm ci` in the repo root"
    )


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder holding freshly rendered manifests for BASE, version 1.2.3."""
    render_all(BASE, tmp_path, "1.2.3", SETTINGS)
    return tmp_path


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace old by new in a text file, asserting old is there (so a test cannot pass vacuously)."""
    text = path.read_text()
    assert old in text, f"{old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, count))


def _problems_of(directory: Path, name: str) -> list[str]:
    """check_dir problems that mention file `name`."""
    return [p for p in check_dir(directory) if name in p]


def _assert_reported(problems: list[str], *fragments: str) -> None:
    """Some problem contains every fragment."""
    assert any(all(f in p for f in fragments) for p in problems), problems


def _rgb_png(size: int) -> bytes:
    """A size×size opaque RGB PNG (colour type 2, no alpha)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * size for _ in range(size))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _rewrite_zip(path: Path, replace: dict[str, bytes | None]) -> None:
    """Rewrite the package with some members replaced (bytes) or removed (None)."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    for name, data in replace.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())


# --- rendering ----------------------------------------------------------------------------------------------


def test_render_writes_the_four_files(tmp_path):
    paths = render_all(BASE + "/", tmp_path, "1.2.3", SETTINGS)
    assert sorted(p.name for p in paths) == sorted(
        ["outlook-manifest.xml", "manifest.json", "outlook-app-package.zip", "deployment.json"]
    )
    xml = (tmp_path / "outlook-manifest.xml").read_text()
    assert "<Version>1.2.3.0</Version>" in xml
    assert f"<Id>{OUTLOOK_XML_ID}</Id>" in xml
    assert f'DefaultValue="{BASE}/taskpane.html"' in xml and "//taskpane" not in xml
    assert "WebApplicationInfo" not in xml
    unified = json.loads((tmp_path / "manifest.json").read_text())
    assert unified["version"] == "1.2.3" and unified["id"] == UNIFIED_APP_ID
    assert unified["webApplicationInfo"] == {
        "id": CLIENT_ID,
        "resource": f"api://addin.example.com/{CLIENT_ID}",
    }
    gmail = json.loads((tmp_path / "deployment.json").read_text())
    assert gmail["addOns"]["common"]["homepageTrigger"]["runFunction"] == f"{BASE}/gmail/homepage"
    assert gmail["addOns"]["gmail"]["contextualTriggers"][0]["onTriggerFunction"] == f"{BASE}/gmail/message"
    assert gmail["addOns"]["common"]["logoUrl"] == f"{BASE}/static/icons/icon-128.png"


@pytest.mark.parametrize(
    "version, expected", [("1.2.3", "1.2.3.0"), ("0.1.0", "0.1.0.0"), ("10.20.30", "10.20.30.0")]
)
def test_office_version_maps_semver_to_four_parts(version, expected):
    assert office_version(version) == expected


@pytest.mark.parametrize("version", ["1.2", "1.2.3.4", "1.2.3rc1", "0.1.0.dev0", "123456.0.0", ""])
def test_office_version_rejects_other_forms(version):
    with pytest.raises(ManifestError, match="X.Y.Z"):
        office_version(version)


@pytest.mark.parametrize(
    "url",
    [
        "http://addin.example.com",
        "ftp://addin.example.com",
        "addin.example.com",
        "https://addin.example.com/?x=1",
    ],
)
def test_render_refuses_non_https_or_odd_base_urls(tmp_path, url):
    with pytest.raises(ManifestError):
        render_all(url, tmp_path, "1.2.3", SETTINGS)
    assert not (tmp_path / "manifest.json").exists()


def test_allow_http_only_for_loopback(tmp_path):
    render_all("http://127.0.0.1:8000", tmp_path, "1.2.3", SETTINGS, allow_http=True)
    with pytest.raises(ManifestError, match="loopback"):
        render_all("http://addin.example.com", tmp_path, "1.2.3", SETTINGS, allow_http=True)


def test_package_is_byte_identical_across_runs(tmp_path):
    render_all(BASE, tmp_path / "a", "1.2.3", SETTINGS)
    render_all(BASE, tmp_path / "b", "1.2.3", SETTINGS)
    assert (tmp_path / "a/outlook-app-package.zip").read_bytes() == (
        tmp_path / "b/outlook-app-package.zip"
    ).read_bytes()


def test_bad_client_id_is_refused(tmp_path):
    with pytest.raises(ManifestError, match="ADDIN_MS_CLIENT_ID"):
        render_all(BASE, tmp_path, "1.2.3", SimpleNamespace(ms_client_id="not-a-guid", ms_authority=""))


# --- icons --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, size",
    [
        ("icon-16.png", 16),
        ("icon-32.png", 32),
        ("icon-64.png", 64),
        ("icon-80.png", 80),
        ("icon-128.png", 128),
        ("icon-192.png", 192),
        ("outline-32.png", 32),
    ],
)
def test_committed_icons_have_their_sizes(name, size):
    info = png_info((TEMPLATE_DIR / "icons" / name).read_bytes())
    assert info is not None and (info.width, info.height) == (size, size) and info.has_alpha


def test_committed_icons_are_what_make_icons_draws(tmp_path):
    spec = importlib.util.spec_from_file_location("make_icons", REPO_ROOT / "tools" / "make_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in module.make_all(tmp_path):
        assert path.read_bytes() == (TEMPLATE_DIR / "icons" / path.name).read_bytes(), path.name


# --- check: the generated set -------------------------------------------------------------------------------


@needs_schema
def test_generated_manifests_pass_check(out):
    assert check_dir(out) == []


@needs_schema
def test_schema_constant_is_the_newest_shipped():
    assert shipped_schema_versions(NODE_MODULES)[-1] == UNIFIED_MANIFEST_VERSION


def test_missing_schema_is_a_problem_not_a_pass(out, tmp_path):
    problems = check_dir(out, node_modules=tmp_path / "nowhere")
    _assert_reported(problems, "manifest.json", "cannot validate", "npm install")


def test_empty_folder_is_a_problem(tmp_path):
    _assert_reported(check_dir(tmp_path), "holds none of")


# --- check: broken XML manifests ----------------------------------------------------------------------------


def test_xml_wrong_top_level_order(out):
    xml = out / "outlook-manifest.xml"
    text = xml.read_text()
    version_line = "  <Version>1.2.3.0</Version>\n"
    provider_line = "  <ProviderName>Deal Desk</ProviderName>\n"
    _edit(xml, version_line + provider_line, provider_line + version_line)
    _assert_reported(_problems_of(out, "outlook-manifest.xml"), "<Version> is out of order", "<ProviderName>")
    assert text != xml.read_text()


def test_xml_wrong_version_overrides_order(out):
    xml = out / "outlook-manifest.xml"
    text = xml.read_text()
    start, end = text.index("    <Resources>"), text.index("    </Resources>\n") + len("    </Resources>\n")
    resources = text[start:end]
    hosts_at = text.index("    <Hosts>")
    xml.write_text(text[:hosts_at] + resources + text[hosts_at:start] + text[end:])
    _assert_reported(
        _problems_of(out, "outlook-manifest.xml"), "VersionOverrides 1.0", "<Hosts> is out of order"
    )


def test_xml_http_url(out):
    _edit(out / "outlook-manifest.xml", f'"{BASE}/taskpane.html"', '"http://addin.example.com/taskpane.html"')
    _assert_reported(
        _problems_of(out, "outlook-manifest.xml"), "must be HTTPS", "http://addin.example.com/taskpane.html"
    )


def test_xml_url_on_another_origin(out):
    _edit(
        out / "outlook-manifest.xml",
        f"{BASE}/static/icons/icon-64.png",
        "https://cdn.example.net/icon-64.png",
    )
    _assert_reported(
        _problems_of(out, "outlook-manifest.xml"), "<IconUrl>", "not under the task pane's origin"
    )


def test_xml_missing_required_element(out):
    _edit(out / "outlook-manifest.xml", "  <Permissions>ReadItem</Permissions>\n", "")
    _assert_reported(_problems_of(out, "outlook-manifest.xml"), "required element <Permissions> is missing")


@pytest.mark.parametrize("bad", ["1.2.3", "1.2.3.0.0", "1.2.x.0", "123456.0.0.0"])
def test_xml_bad_version(out, bad):
    _edit(out / "outlook-manifest.xml", "<Version>1.2.3.0</Version>", f"<Version>{bad}</Version>")
    _assert_reported(_problems_of(out, "outlook-manifest.xml"), "<Version> must be n.n.n.n")


def test_xml_bad_id_and_permissions(out):
    _edit(out / "outlook-manifest.xml", f"<Id>{OUTLOOK_XML_ID}</Id>", "<Id>deal-desk</Id>")
    _edit(
        out / "outlook-manifest.xml", "<Permissions>ReadItem</Permissions>", "<Permissions>Read</Permissions>"
    )
    problems = _problems_of(out, "outlook-manifest.xml")
    _assert_reported(problems, "<Id> must be a GUID")
    _assert_reported(problems, "<Permissions> must be one of")


def test_xml_supports_pinning_outside_1_1(out):
    xml = out / "outlook-manifest.xml"
    text = xml.read_text()
    first = text.index('<SourceLocation resid="Taskpane.Url"/>')  # the 1.0 block comes first
    insert = first + len('<SourceLocation resid="Taskpane.Url"/>')
    xml.write_text(text[:insert] + "<SupportsPinning>true</SupportsPinning>" + text[insert:])
    _assert_reported(
        _problems_of(out, "outlook-manifest.xml"),
        "<SupportsPinning> is only valid inside VersionOverrides 1.1",
    )


def test_xml_icon_of_wrong_size(out):
    _edit(out / "outlook-manifest.xml", "icons/icon-64.png", "icons/icon-32.png")
    _assert_reported(_problems_of(out, "outlook-manifest.xml"), "<IconUrl>", "32x32 px, expected 64x64")


def test_xml_unresolved_resid(out):
    _edit(
        out / "outlook-manifest.xml",
        '<bt:Image size="80" resid="Icon.80"/>',
        '<bt:Image size="80" resid="Icon.81"/>',
    )
    _assert_reported(_problems_of(out, "outlook-manifest.xml"), "resid 'Icon.81'", "no matching resource")


def test_xml_ribbon_icon_sizes_required(out):
    _edit(
        out / "outlook-manifest.xml",
        '<bt:Image size="80" resid="Icon.80"/>',
        '<bt:Image size="64" resid="Icon.80"/>',
    )
    problems = _problems_of(out, "outlook-manifest.xml")
    _assert_reported(problems, "needs images of sizes 16, 32 and 80")
    _assert_reported(problems, "icon-80.png is 80x80 px, expected 64x64")


def test_xml_not_well_formed(out):
    _edit(out / "outlook-manifest.xml", "</OfficeApp>", "")
    _assert_reported(_problems_of(out, "outlook-manifest.xml"), "not well-formed XML")


# --- check: broken unified manifests and packages -----------------------------------------------------------


@needs_schema
def test_unified_schema_error(out):
    path = out / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["extensions"][0]["bogusProperty"] = True
    path.write_text(json.dumps(manifest))
    _assert_reported(_problems_of(out, "manifest.json"), "schema: $.extensions[0]", "bogusProperty")


@needs_schema
def test_unified_http_task_pane(out):
    path = out / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["extensions"][0]["runtimes"][0]["code"]["page"] = "http://addin.example.com/taskpane.html"
    path.write_text(json.dumps(manifest))
    problems = _problems_of(out, "manifest.json")
    _assert_reported(problems, "must be an HTTPS URL", "code.page")


def test_unified_manifest_version_must_match_schema_url(out):
    _edit(
        out / "manifest.json", f'"manifestVersion": "{UNIFIED_MANIFEST_VERSION}"', '"manifestVersion": "1.29"'
    )
    _assert_reported(_problems_of(out, "manifest.json"), "manifestVersion must be")


def test_unified_placeholder_client_id(tmp_path):
    render_all(BASE, tmp_path, "1.2.3", None)
    _assert_reported(_problems_of(tmp_path, "manifest.json"), "placeholder", "ADDIN_MS_CLIENT_ID")


def test_package_icon_of_wrong_size(out):
    small = (TEMPLATE_DIR / "icons" / "icon-32.png").read_bytes()
    _rewrite_zip(out / "outlook-app-package.zip", {"color.png": small})
    _assert_reported(
        _problems_of(out, "outlook-app-package.zip"), "icons.color", "32x32 px, expected 192x192"
    )


def test_package_outline_without_transparency(out):
    _rewrite_zip(out / "outlook-app-package.zip", {"outline.png": _rgb_png(32)})
    _assert_reported(_problems_of(out, "outlook-app-package.zip"), "icons.outline", "transparent")


def test_package_missing_icon_and_stale_manifest(out):
    _rewrite_zip(out / "outlook-app-package.zip", {"outline.png": None})
    _edit(out / "manifest.json", '"version": "1.2.3"', '"version": "1.2.4"')
    problems = check_dir(out)
    _assert_reported(problems, "icons.outline 'outline.png' is not in the package")
    _assert_reported(problems, "differs from manifest.json in the folder")


@needs_schema
def test_package_alone_is_fully_checked(out):
    (out / "manifest.json").unlink()
    manifest = json.loads(zipfile.ZipFile(out / "outlook-app-package.zip").read("manifest.json"))
    manifest["bogusTopLevel"] = 1
    _rewrite_zip(out / "outlook-app-package.zip", {"manifest.json": json.dumps(manifest).encode()})
    _assert_reported(
        _problems_of(out, "outlook-app-package.zip"), "manifest.json: schema: $", "bogusTopLevel"
    )


def test_a_single_file_can_be_checked(out):
    for name in ("outlook-manifest.xml", "manifest.json", "outlook-app-package.zip"):
        (out / name).unlink()
    assert check_dir(out) == []


def test_unified_and_xml_must_not_share_an_id(out):
    _edit(out / "manifest.json", f'"id": "{UNIFIED_APP_ID}"', f'"id": "{OUTLOOK_XML_ID}"')
    _assert_reported(check_dir(out), "different GUID")


# --- check: broken Gmail deployments ------------------------------------------------------------------------


def _edit_deployment(directory: Path, change) -> list[str]:
    """Apply change(dict) to deployment.json and return its problems."""
    path = directory / "deployment.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return _problems_of(directory, "deployment.json")


def test_gmail_unknown_fields(out):
    def change(d):
        d["bogusTop"] = 1
        d["addOns"]["common"]["bogusCommon"] = 1

    problems = _edit_deployment(out, change)
    _assert_reported(problems, "unknown field $.bogusTop")
    _assert_reported(problems, "unknown field addOns.common.bogusCommon")


def test_gmail_run_function_in_contextual_trigger(out):
    def change(d):
        trigger = d["addOns"]["gmail"]["contextualTriggers"][0]
        trigger["runFunction"] = trigger.pop("onTriggerFunction")

    problems = _edit_deployment(out, change)
    _assert_reported(problems, "contextualTriggers[0] uses runFunction", "onTriggerFunction")


def test_gmail_http_function_and_missing_scope(out):
    def change(d):
        d["addOns"]["common"]["homepageTrigger"]["runFunction"] = "http://addin.example.com/gmail/homepage"
        d["oauthScopes"].remove("https://www.googleapis.com/auth/gmail.addons.execute")

    problems = _edit_deployment(out, change)
    _assert_reported(problems, "homepageTrigger.runFunction must be an HTTPS URL")
    _assert_reported(problems, "gmail.addons.execute")


def test_gmail_missing_name_and_conditional_trigger(out):
    def change(d):
        del d["addOns"]["common"]["name"]
        d["addOns"]["gmail"]["contextualTriggers"][0]["unconditional"] = {"x": 1}

    problems = _edit_deployment(out, change)
    _assert_reported(problems, "addOns.common.name is required")
    _assert_reported(problems, "unconditional must be present")


# --- CLI ----------------------------------------------------------------------------------------------------


@needs_schema
def test_cli_render_then_check_ok(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ADDIN_MS_CLIENT_ID", CLIENT_ID)
    assert main(["--base-url", BASE, "--out", str(tmp_path), "--version", "2.0.1"]) == 0
    assert "<Version>2.0.1.0</Version>" in (tmp_path / "outlook-manifest.xml").read_text()
    capsys.readouterr()
    assert main(["manifest", "check", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("OK:")


def test_cli_base_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ADDIN_PUBLIC_BASE_URL", "https://env.example.com")
    assert main(["--out", str(tmp_path), "--version", "1.0.0"]) == 0
    assert "https://env.example.com/taskpane.html" in (tmp_path / "outlook-manifest.xml").read_text()


def test_cli_check_reports_problems_with_exit_1(out, capsys):
    _edit(out / "outlook-manifest.xml", "<Version>1.2.3.0</Version>", "<Version>one</Version>")
    assert main(["check", str(out)]) == 1
    assert "<Version> must be n.n.n.n" in capsys.readouterr().out


def test_cli_refuses_http_base_url(tmp_path, capsys):
    assert main(["--base-url", "http://addin.example.com", "--out", str(tmp_path), "--version", "1.0.0"]) == 2
    assert "HTTPS" in capsys.readouterr().err
    assert (
        main(
            [
                "--base-url",
                "http://addin.example.com",
                "--allow-http",
                "--out",
                str(tmp_path),
                "--version",
                "1.0.0",
            ]
        )
        == 2
    )
    assert (
        main(
            [
                "--base-url",
                "http://localhost:8000",
                "--allow-http",
                "--out",
                str(tmp_path),
                "--version",
                "1.0.0",
            ]
        )
        == 0
    )
    assert "development" in capsys.readouterr().err


def test_cli_needs_a_base_url_and_a_valid_version(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ADDIN_PUBLIC_BASE_URL", raising=False)
    assert main(["--out", str(tmp_path), "--version", "1.0.0"]) == 2
    assert "--base-url" in capsys.readouterr().err
    assert main(["--base-url", BASE, "--out", str(tmp_path), "--version", "1.0"]) == 2
    assert main(["--bogus"]) == 2


def test_deployment_urls_are_routes_the_gmail_blueprint_serves(out, app):
    """Google calls exactly the URLs in deployment.json; each must be a POST route of the app."""
    deployment = json.loads((out / "deployment.json").read_text())
    urls = [
        deployment["addOns"]["common"]["homepageTrigger"]["runFunction"],
        *(t["onTriggerFunction"] for t in deployment["addOns"]["gmail"]["contextualTriggers"]),
    ]
    adapter = app.url_map.bind("addin.example.com", url_scheme="https")
    for url in urls:
        path = url.removeprefix(BASE)
        endpoint, _ = adapter.match(path, method="POST")
        assert endpoint.startswith("gmail."), url
    from addin_api.gmail.routes import bp
    from addin_api.manifests.common import GMAIL_ACTION_PATH as ACTION_PATH

    assert adapter.match(ACTION_PATH, method="POST")[0].startswith(bp.name + ".")


# --- templates, instances and clients -----------------------------------------------------------------------


def test_rendered_files_keep_no_placeholder(out):
    for name in ("outlook-manifest.xml", "manifest.json", "deployment.json"):
        assert "{{" not in (out / name).read_text(), name


@needs_schema
def test_staging_gets_its_own_stable_ids_and_name(tmp_path):
    render_all(BASE, tmp_path / "prod", "1.2.3", SETTINGS)
    render_all("https://staging.example.com", tmp_path / "a", "1.2.3", SETTINGS, instance="staging")
    render_all("https://staging.example.com", tmp_path / "b", "1.2.4", SETTINGS, instance="staging")

    def ids(folder):
        xml = ET.fromstring((folder / "outlook-manifest.xml").read_text())
        unified = json.loads((folder / "manifest.json").read_text())
        return xml.find(f"{{{NS_APP}}}Id").text, unified["id"], unified["name"]["short"]

    assert ids(tmp_path / "prod") == (OUTLOOK_XML_ID, UNIFIED_APP_ID, "Deal Desk for CRM")
    staging = ids(tmp_path / "a")
    assert staging == ids(tmp_path / "b")  # a new version of staging updates staging
    assert staging[0] not in (OUTLOOK_XML_ID, UNIFIED_APP_ID) and staging[1] != staging[0]
    assert staging[2] == "Deal Desk for CRM (staging)"
    assert json.loads((tmp_path / "a/deployment.json").read_text())["addOns"]["common"]["name"] == staging[2]
    assert check_dir(tmp_path / "a") == []


@pytest.mark.parametrize("bad", ["Staging", "a b", "much-too-long-name", "", "x/../y"])
def test_instance_names_that_cannot_be_ids_are_refused(tmp_path, bad):
    with pytest.raises(ManifestError, match="--instance"):
        render_all(BASE, tmp_path, "1.2.3", SETTINGS, instance=bad)
    assert not any(tmp_path.iterdir())


@needs_schema
def test_values_are_escaped_for_xml_and_json(tmp_path):
    base = "https://addin.example.com/deal&desk'\"x"
    render_all(base, tmp_path, "1.2.3", SETTINGS)
    xml = ET.fromstring((tmp_path / "outlook-manifest.xml").read_text())
    source = xml.find(
        f"{{{NS_APP}}}FormSettings/{{{NS_APP}}}Form/{{{NS_APP}}}DesktopSettings/{{{NS_APP}}}SourceLocation"
    )
    assert source.attrib["DefaultValue"] == base + "/taskpane.html"
    unified = json.loads((tmp_path / "manifest.json").read_text())
    assert unified["extensions"][0]["runtimes"][0]["code"]["page"] == base + "/taskpane.html"
    gmail = json.loads((tmp_path / "deployment.json").read_text())
    assert gmail["addOns"]["common"]["homepageTrigger"]["runFunction"] == base + "/gmail/homepage"


def test_a_gmail_only_org_passes_without_an_outlook_client_id(tmp_path):
    written = render_all(BASE, tmp_path / "gmail", "1.2.3", None, clients=("gmail",))
    assert [p.name for p in written] == ["deployment.json"]
    assert check_dir(tmp_path / "gmail") == []
    render_all(BASE, tmp_path / "all", "1.2.3", None)  # both, with the placeholder client id
    _assert_reported(check_dir(tmp_path / "all"), "placeholder GUID")
    assert check_dir(tmp_path / "all", clients=("gmail",)) == []


def test_an_enabled_client_without_its_files_is_a_problem(tmp_path):
    render_all(BASE, tmp_path, "1.2.3", None, clients=("gmail",))
    _assert_reported(check_dir(tmp_path, clients=("gmail", "outlook")), "holds no outlook manifest")


@needs_schema
def test_cli_renders_an_instance_for_chosen_clients_and_checks_them(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ADDIN_MS_CLIENT_ID", raising=False)
    args = ["--base-url", BASE, "--instance", "staging", "--clients", "gmail", "--out", str(tmp_path)]
    assert main([*args, "--version", "1.0.0"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deployment.json"]
    assert "ADDIN_MS_CLIENT_ID" not in capsys.readouterr().err
    assert main(["check", str(tmp_path), "--clients", "gmail"]) == 0
    assert capsys.readouterr().out.strip() == "OK: deployment.json passed all checks"
    assert main(["check", str(tmp_path), "--clients", "gmail,teams"]) == 2


# --- Outlook mobile -----------------------------------------------------------------------------------------


@needs_schema
def test_both_outlook_manifests_declare_mobile(out):
    xml = ET.fromstring((out / "outlook-manifest.xml").read_text())
    points = [el.attrib[f"{{{NS_XSI}}}type"] for el in xml.iter(f"{{{NS_VO11}}}ExtensionPoint")]
    assert "MobileMessageReadCommandSurface" in points
    ribbon = json.loads((out / "manifest.json").read_text())["extensions"][0]["ribbons"][0]
    assert "mobile" in ribbon["requirements"]["formFactors"]
    mobile_button = ribbon["tabs"][0]["customMobileRibbonGroups"][0]["controls"][0]
    assert mobile_button["type"] == "mobileButton" and mobile_button["actionId"] == "OpenDealDesk"
    assert check_dir(out) == []


def test_xml_without_mobile_form_factor_is_reported(out):
    path = out / "outlook-manifest.xml"
    text = path.read_text()
    start, end = (
        text.index("<MobileFormFactor>"),
        text.index("</MobileFormFactor>") + len("</MobileFormFactor>"),
    )
    path.write_text(text[:start] + text[end:])
    _assert_reported(_problems_of(out, "outlook-manifest.xml"), "MobileMessageReadCommandSurface", "iOS")


def test_xml_mobile_icon_missing_a_scale_is_reported(out):
    _edit(out / "outlook-manifest.xml", '<bt:Image size="48" scale="3" resid="Icon.48"/>', "")
    _assert_reported(_problems_of(out, "outlook-manifest.xml"), "mobile <Icon>", "48@3x")


def test_xml_mobile_icon_file_of_wrong_size_is_reported(out):
    _edit(out / "outlook-manifest.xml", "icons/icon-25.png", "icons/icon-32.png")
    _assert_reported(_problems_of(out, "outlook-manifest.xml"), "icon-32.png is 32x32", "expected 25x25")


@needs_schema
def test_unified_without_mobile_is_reported(out):
    _edit(out / "manifest.json", '"formFactors": ["desktop", "mobile"]', '"formFactors": ["desktop"]')
    (out / "outlook-app-package.zip").unlink()
    _assert_reported(_problems_of(out, "manifest.json"), 'lists "mobile"', "iOS")
