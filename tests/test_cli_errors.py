"""The command line on broken ground (QA audit of 1be02ac): a damaged, unreadable or read-only
register, a failed ``init``, Ctrl-C at start-up and during ``bundle import``, a demo pointed at
a real register, missing bundle files, codes outside their township, labels in ``children
show``. Each case runs the real ``carebook`` in a subprocess on real SQLCipher files and checks
the one-line message, the exit code, that no traceback is printed and that nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from carebook.sync.exchange import SyncSite
from sync_world import PASSPHRASE, build_world, content_hash

DEMO_PASSPHRASE = "carebook-demo"
SAMPLE_LEDGER = Path(__file__).parent / "data" / "ledger" / "village-ledger-sample.xlsx"


def env_of(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"QT_QPA_PLATFORM": "offscreen", "CAREBOOK_KEYRING": "off", "HOME": str(tmp_path / "home"),
                "XDG_DATA_HOME": str(tmp_path / "xdg"), "CAREBOOK_LANG": "zh"})
    for name in ("CAREBOOK_PASSPHRASE", "CAREBOOK_DATA_DIR", "CAREBOOK_DATABASE_URL"):
        env.pop(name, None)
    env.update(extra)
    return env


def carebook(tmp_path: Path, *args: str, passphrase: str | None = DEMO_PASSPHRASE,
             code: str | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m carebook ARGS`` (or ``python -c CODE ARGS``) and return the result."""
    if passphrase is not None:
        extra["CAREBOOK_PASSPHRASE"] = passphrase
    head = [sys.executable, "-c", code] if code else [sys.executable, "-m", "carebook"]
    return subprocess.run([*head, *args], capture_output=True, text=True, env=env_of(tmp_path, **extra),
                          timeout=600)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def tree_hash(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo register (synthetic people), made once; tests copy it."""
    base = tmp_path_factory.mktemp("demo")
    proc = carebook(base, "--data-dir", str(base / "demo"), "demo", "--no-open", "--children", "40")
    assert proc.returncode == 0, proc.stderr
    return base / "demo"


@pytest.fixture
def copy_of_demo(demo_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "register"
    shutil.copytree(demo_dir, target)
    return target


# -- 1. a damaged, unreadable or read-only register --------------------------------------------

def _damage(database: Path) -> None:
    """Zero everything after the first page (the schema's root page stays readable)."""
    size = database.stat().st_size
    with open(database, "r+b") as handle:
        handle.seek(4096)
        handle.write(b"\0" * (size - 4096))


@pytest.mark.parametrize("command", [
    ["children", "list"],
    ["children", "list", "--json"],
    ["overview"],
    ["backup"],
    ["ledger", "import", str(SAMPLE_LEDGER)],
    ["bundle", "export", "--to", "OUT"],
    ["--screenshot", "SHOT.png"],
])
def test_damaged_register_is_told_in_words_and_left_as_it_was(copy_of_demo: Path, tmp_path: Path,
                                                               command: list[str]) -> None:
    _damage(copy_of_demo / "carebook.db")
    before = tree_hash(copy_of_demo)
    args = [a.replace("OUT", str(tmp_path / "out")).replace("SHOT", str(tmp_path / "shot")) for a in command]
    (tmp_path / "out").mkdir()
    proc = carebook(tmp_path, "--data-dir", str(copy_of_demo), *args)
    assert proc.returncode == 1
    no_traceback(proc)
    assert "已损坏" in proc.stderr and "carebook recover" in proc.stderr
    assert tree_hash(copy_of_demo) == before
    assert not (tmp_path / "shot.png").exists() and not any((tmp_path / "out").iterdir())


def test_damaged_register_in_english(copy_of_demo: Path, tmp_path: Path) -> None:
    _damage(copy_of_demo / "carebook.db")
    proc = carebook(tmp_path, "--lang", "en", "--data-dir", str(copy_of_demo), "children", "list")
    assert proc.returncode == 1
    no_traceback(proc)
    assert "damaged" in proc.stderr and "carebook recover" in proc.stderr


def test_damaged_register_error_is_a_database_unreadable(copy_of_demo: Path) -> None:
    """The desktop's start-up recovery handles :class:`DatabaseUnreadable`: the damage error is one."""
    from carebook.model.db import DamagedDatabaseError, DatabaseUnreadable, open_database

    _damage(copy_of_demo / "carebook.db")
    with pytest.raises(DamagedDatabaseError) as caught:
        open_database(copy_of_demo, passphrase=DEMO_PASSPHRASE)
    assert isinstance(caught.value, DatabaseUnreadable)


@pytest.fixture
def read_only_mount(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs mounted read-only (the register of a locked USB stick); skipped where mounting
    is not allowed (not root, no CAP_SYS_ADMIN)."""
    mount = tmp_path / "ro"
    mount.mkdir()
    if shutil.which("mount") is None or subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(mount)],
                                                         capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


def _remount_read_only(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)


def test_register_on_a_read_only_drive_is_told_in_words(read_only_mount: Path, demo_dir: Path,
                                                        tmp_path: Path) -> None:
    shutil.copytree(demo_dir, read_only_mount / "register")
    _remount_read_only(read_only_mount)
    proc = carebook(tmp_path, "--data-dir", str(read_only_mount / "register"), "children", "list")
    assert proc.returncode == 1
    no_traceback(proc)
    assert "无法打开数据库文件" in proc.stderr and "只读" in proc.stderr


def test_init_on_a_read_only_drive_is_told_in_words(read_only_mount: Path, tmp_path: Path) -> None:
    _remount_read_only(read_only_mount)
    proc = carebook(tmp_path, "--data-dir", str(read_only_mount / "new"), "init", "--role", "village",
                    "--org-code", "610402100200", "--org-name", "东湾村", passphrase="first-pass-123")
    assert proc.returncode == 1
    no_traceback(proc)
    assert "只读" in proc.stderr and "Errno" not in proc.stderr


# -- 4, 5. Ctrl-C -------------------------------------------------------------------------------

_INTERRUPT_WHILE_LOADING = """
import os, signal, sys, runpy
class Hook:
    def find_spec(self, name, path=None, target=None):
        if name == "sqlalchemy":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, Hook())
sys.argv = ["carebook", *sys.argv[1:]]
runpy.run_module("carebook", run_name="__main__")
"""


@pytest.mark.parametrize("lang,expected", [("zh", "已中断，数据没有改动"), ("en", "interrupted")])
def test_ctrl_c_while_modules_load_exits_130_quietly(tmp_path: Path, lang: str, expected: str) -> None:
    proc = carebook(tmp_path, "--lang", lang, "--data-dir", str(tmp_path / "none"), "children", "list",
                    code=_INTERRUPT_WHILE_LOADING)
    assert proc.returncode == 130
    no_traceback(proc)
    assert expected in proc.stderr


_INTERRUPT_DURING_MERGE = """
import os, signal, sys, runpy
import carebook.sync.merge as merge
original = merge._materialise
def interrupted(*args, **kwargs):
    result = original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGINT)
    return result
merge._materialise = interrupted
sys.argv = ["carebook", *sys.argv[1:]]
runpy.run_module("carebook", run_name="__main__")
"""


def test_ctrl_c_during_bundle_import_changes_nothing_and_exits_130(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        world.import_ledger(village, 20, seed=5)
        bundle = world.export(village)[0]
        before = content_hash(world.township)
        world.township.close()
        proc = carebook(tmp_path, "--data-dir", str(tmp_path / "township"), "bundle", "import", str(bundle),
                        passphrase=PASSPHRASE, code=_INTERRUPT_DURING_MERGE)
        assert proc.returncode == 130, proc.stderr
        no_traceback(proc)
        assert "已中断，数据没有改动" in proc.stderr
        world.township = SyncSite.open(tmp_path / "township", passphrase=PASSPHRASE)
        assert content_hash(world.township) == before
    finally:
        world.close()


def _json(proc: subprocess.CompletedProcess[str]) -> object:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# -- 2, 3, 8. init checks everything first and leaves nothing behind -----------------------------

VILLAGE = ["--role", "village", "--org-code", "610402100299", "--org-name", "东湾村",
           "--parent-code", "610402100", "--parent-name", "幸福镇"]


@pytest.mark.parametrize("args,words", [
    (["--role", "village", "--org-code", "123", "--org-name", "x"], "12 位"),
    (["--role", "township", "--org-code", "610402100200", "--org-name", "x"], "9 位"),
    (["--role", "village", "--org-code", "610402100299", "--org-name", "x", "--parent-code", "610402101"],
     "不在乡镇"),
    (["--role", "village", "--org-code", "610402100299", "--org-name", "x" * 101], "单位名称"),
])
def test_refused_init_creates_nothing_and_a_retry_works(tmp_path: Path, args: list[str], words: str) -> None:
    data = tmp_path / "I"
    proc = carebook(tmp_path, "--data-dir", str(data), "init", *args, passphrase="first-pass-123")
    assert proc.returncode == 1
    no_traceback(proc)
    assert words in proc.stderr
    assert not data.exists()
    retry = carebook(tmp_path, "--data-dir", str(data), "init", *VILLAGE, passphrase="other-pass-456")
    assert retry.returncode == 0, retry.stderr


def test_short_passphrase_leaves_nothing(tmp_path: Path) -> None:
    data = tmp_path / "I"
    proc = carebook(tmp_path, "--data-dir", str(data), "init", *VILLAGE, passphrase="short")
    assert proc.returncode == 1
    no_traceback(proc)
    assert not data.exists()


_FAIL_MIDWAY = """
import sys, runpy
import carebook.sync.identity as identity
def broken(*args, **kwargs):
    raise OSError(28, "No space left on device")
identity.ensure_installation_keys = broken
import carebook.cli.init_cmd as init_cmd
init_cmd.ensure_installation_keys = broken
sys.argv = ["carebook", *sys.argv[1:]]
runpy.run_module("carebook", run_name="__main__")
"""


def test_init_failing_midway_removes_only_what_it_created(tmp_path: Path) -> None:
    data = tmp_path / "I"
    data.mkdir()
    (data / "notes.txt").write_text("mine")
    proc = carebook(tmp_path, "--data-dir", str(data), "init", *VILLAGE, passphrase="first-pass-123",
                    code=_FAIL_MIDWAY)
    assert proc.returncode == 1
    no_traceback(proc)
    assert "已满" in proc.stderr
    assert sorted(p.name for p in data.iterdir()) == ["notes.txt"]
    retry = carebook(tmp_path, "--data-dir", str(data), "init", *VILLAGE, passphrase="other-pass-456")
    assert retry.returncode == 0, retry.stderr
    listed = carebook(tmp_path, "--data-dir", str(data), "children", "list", passphrase="other-pass-456")
    assert listed.returncode == 0, listed.stderr


@pytest.fixture(scope="module")
def township_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("township")
    proc = carebook(base, "--data-dir", str(base / "T"), "init", "--role", "township", "--org-code", "610402100",
                    "--org-name", "幸福镇", passphrase="first-pass-123")
    assert proc.returncode == 0, proc.stderr
    return base / "T"


def test_enrol_create_refuses_a_village_outside_the_township(township_dir: Path, tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    before = tree_hash(township_dir)
    proc = carebook(tmp_path, "--data-dir", str(township_dir), "enrol", "create", "--village-code", "610402999201",
                    "--village-name", "外村", "--out", str(stick), passphrase="first-pass-123")
    assert proc.returncode == 1
    no_traceback(proc)
    assert "不在乡镇" in proc.stderr and "610402100" in proc.stderr
    assert tree_hash(township_dir) == before and not any(stick.iterdir())


def test_enrol_create_out_without_extension_that_does_not_exist_is_refused(township_dir: Path,
                                                                           tmp_path: Path) -> None:
    before = tree_hash(township_dir)
    proc = carebook(tmp_path, "--data-dir", str(township_dir), "enrol", "create", "--village-code", "610402100201",
                    "--village-name", "东湾村", "--out", str(tmp_path / "stick"), passphrase="first-pass-123")
    assert proc.returncode == 1
    no_traceback(proc)
    assert "找不到文件夹" in proc.stderr
    assert not (tmp_path / "stick").exists() and tree_hash(township_dir) == before


# -- 7. bundle import of a missing file, of a folder --------------------------------------------

def test_bundle_import_of_a_missing_file_says_so(township_dir: Path, tmp_path: Path) -> None:
    for command in ("import", "inspect"):
        proc = carebook(tmp_path, "--data-dir", str(township_dir), "bundle", command, str(tmp_path / "nofile.cbk"),
                        passphrase="first-pass-123")
        assert proc.returncode == 1
        no_traceback(proc)
        assert f"找不到文件 {tmp_path / 'nofile.cbk'}" in proc.stderr and "U 盘" not in proc.stderr


def test_bundle_import_of_an_empty_folder_says_so(township_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = carebook(tmp_path, "--data-dir", str(township_dir), "bundle", "import", str(tmp_path / "empty"),
                    passphrase="first-pass-123")
    assert proc.returncode == 1
    no_traceback(proc)
    assert "没有同步包" in proc.stderr


def test_bundle_import_of_a_folder_imports_every_bundle_in_it(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        world.import_ledger(village, 5, seed=7)
        folder = tmp_path / "to-import"
        folder.mkdir()
        for bundle in world.export(village):
            shutil.copy(bundle, folder / bundle.name)
        (folder / "notes.txt").write_text("not a bundle")
        world.township.close()
        proc = carebook(tmp_path, "--data-dir", str(tmp_path / "township"), "bundle", "import", str(folder),
                        "--json", passphrase=PASSPHRASE)
        results = _json(proc)
        assert isinstance(results, list) and len(results) == 1
        assert results[0]["applied"] > 0 and not results[0]["already_imported"]
        world.township = SyncSite.open(tmp_path / "township", passphrase=PASSPHRASE)
    finally:
        world.close()


# -- 6, 11. the demo never takes a real register; no display is said in one line --------------

@pytest.fixture(scope="module")
def village_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("village")
    proc = carebook(base, "--data-dir", str(base / "V"), "init", *VILLAGE, passphrase="village-pass-123")
    assert proc.returncode == 0, proc.stderr
    proc = carebook(base, "--data-dir", str(base / "V"), "ledger", "import", str(SAMPLE_LEDGER), "--skip-bad",
                    passphrase="village-pass-123")
    assert proc.returncode == 0, proc.stderr
    return base / "V"


@pytest.mark.parametrize("passphrase", [None, "village-pass-123"])
def test_demo_refuses_a_real_register(village_dir: Path, tmp_path: Path, passphrase: str | None) -> None:
    before = tree_hash(village_dir)
    proc = carebook(tmp_path, "--data-dir", str(village_dir), "demo", "--no-open", passphrase=passphrase)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "不是演示工作区" in proc.stderr and "演示工作区：" not in proc.stdout
    assert tree_hash(village_dir) == before


def test_demo_reuses_its_own_workspace_and_one_made_before_the_marker(copy_of_demo: Path, tmp_path: Path) -> None:
    from carebook.cli.demo_cmd import DEMO_MARKER

    assert (copy_of_demo / DEMO_MARKER).is_file()
    (copy_of_demo / DEMO_MARKER).unlink()  # a demo built by an earlier Carebook
    proc = carebook(tmp_path, "--data-dir", str(copy_of_demo), "demo", "--no-open", "--json", passphrase=None)
    assert _json(proc) == {"data_dir": str(copy_of_demo), "created": False, "children": 40}
    assert (copy_of_demo / DEMO_MARKER).is_file()


def test_demo_without_a_display_says_so_in_one_line(tmp_path: Path) -> None:
    env = env_of(tmp_path)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-m", "carebook", "--data-dir", str(tmp_path / "D"), "demo"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 1
    no_traceback(proc)
    assert "--no-open" in proc.stderr and "xvfb-run" in proc.stderr
    assert not (tmp_path / "D").exists()


# -- 9. children show prints labels; --json keeps the codes ------------------------------------

def test_children_show_prints_labels_and_json_keeps_codes(copy_of_demo: Path, tmp_path: Path) -> None:
    rows = _json(carebook(tmp_path, "--data-dir", str(copy_of_demo), "children", "list", "--json"))
    assert isinstance(rows, list)
    child = next(r["id_number"] for r in rows if r["sex"] == "1" and r["id_number"])
    updated = carebook(tmp_path, "--data-dir", str(copy_of_demo), "children", "update", child, "--set", "risk_colour=red",
                       "--set", "ethnic_group=01", "--set", "health_status=healthy",
                       "--set", "registration_type=rural", "--set", "father.name=测试父", "--set", "father.status=working_away")
    assert updated.returncode == 0, updated.stderr
    proc = carebook(tmp_path, "--data-dir", str(copy_of_demo), "children", "show", child)
    assert proc.returncode == 0, proc.stderr
    lines = set(line.strip() for line in proc.stdout.splitlines())
    for expected in ("性别: 男", "民族: 汉族", "户籍性质: 农业户口", "健康状况: 健康", "风险等级: 红色"):
        assert expected in lines, proc.stdout
    assert any(line.startswith("[父亲] 测试父") and line.endswith("外出务工") for line in lines), proc.stdout
    for code in ("working_away", "rural", "healthy", ": red", ": 1", ": 01"):
        assert code not in proc.stdout
    shown = _json(carebook(tmp_path, "--data-dir", str(copy_of_demo), "children", "show", child, "--json"))
    assert isinstance(shown, dict)
    assert json.dumps(shown).count('"red"') >= 1 and '"rural"' in json.dumps(shown)


# -- 10. wording: Chinese throughout, OS errors in words, the field named ----------------------

def test_bundle_inspect_speaks_chinese(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        world.import_ledger(village, 3, seed=11)
        bundle = world.export(village)[0]
        world.township.close()
        proc = carebook(tmp_path, "--data-dir", str(tmp_path / "township"), "bundle", "inspect", str(bundle),
                        passphrase=PASSPHRASE)
        assert proc.returncode == 0, proc.stderr
        assert "变更" in proc.stdout and "字节" in proc.stdout and "加密密钥" in proc.stdout
        for english in (" key ", "changes=", "attachments=", "zlib", " B,", " B\n"):
            assert english not in proc.stdout, proc.stdout
        world.township = SyncSite.open(tmp_path / "township", passphrase=PASSPHRASE)
    finally:
        world.close()


def test_too_long_value_names_its_field(copy_of_demo: Path, tmp_path: Path) -> None:
    rows = _json(carebook(tmp_path, "--data-dir", str(copy_of_demo), "children", "list", "--json"))
    assert isinstance(rows, list)
    proc = carebook(tmp_path, "--data-dir", str(copy_of_demo), "children", "update", rows[0]["id"],
                    "--set", "school_grade=" + "五" * 41)
    assert proc.returncode == 1
    no_traceback(proc)
    assert proc.stderr.strip() == "carebook: 年级：内容太长（最多40个字）"


def test_os_errors_are_told_in_chinese() -> None:
    import errno

    from carebook.model.errors import FileAccessError, os_error_text
    from carebook.model.i18n import set_language

    set_language("zh")
    for number, words in ((errno.ENOENT, "找不到"), (errno.EACCES, "没有权限"), (errno.EROFS, "只读"),
                          (errno.ENOSPC, "已满")):
        assert words in os_error_text(OSError(number, os.strerror(number)))[0]
        message = FileAccessError(OSError(number, os.strerror(number), "/x/y")).message
        assert "/x/y" in message and os.strerror(number) not in message


def test_bundle_export_to_a_read_only_stick_says_so_in_chinese(read_only_mount: Path, tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        world.import_ledger(village, 3, seed=13)
        village.close()
        _remount_read_only(read_only_mount)
        proc = carebook(tmp_path, "--data-dir", str(tmp_path / "village0"), "bundle", "export", "--to",
                        str(read_only_mount), passphrase=PASSPHRASE)
        assert proc.returncode == 1, proc.stdout
        no_traceback(proc)
        assert "只读" in proc.stderr and "Read-only file system" not in proc.stderr
        world.villages[0] = SyncSite.open(tmp_path / "village0", passphrase=PASSPHRASE)
    finally:
        world.close()


def _damage_one_page(database: Path) -> None:
    """Flip 10 bytes inside one page in the middle of the file: the register still opens, its
    quick check fails (QA: 10 bytes at an offset near 1.5 MB of the demo)."""
    size = database.stat().st_size
    offset = (size // 2) // 4096 * 4096 + 200
    with open(database, "r+b") as handle:
        handle.seek(offset)
        data = handle.read(10)
        handle.seek(offset)
        handle.write(bytes(b ^ 0xFF for b in data))


def test_partly_damaged_register_backup_recover_and_after(copy_of_demo: Path, tmp_path: Path) -> None:
    """QA: ``backup`` of a register with one damaged page printed SQLite's integrity report as a
    Python tuple; ``recover --restore-latest`` with no backup moved the file aside without saying
    so, and every command after it advised ``carebook init`` (an empty register). Now each says
    what happened and what to do."""
    _damage_one_page(copy_of_demo / "carebook.db")
    proc = carebook(tmp_path, "--data-dir", str(copy_of_demo), "backup")
    assert proc.returncode == 1
    no_traceback(proc)
    assert "数据库文件本身已损坏" in proc.stderr and "carebook recover" in proc.stderr
    assert "btreeInitPage" not in proc.stderr and "[(" not in proc.stderr
    assert not list((copy_of_demo / "backups").glob("*")) if (copy_of_demo / "backups").exists() else True
    proc = carebook(tmp_path, "--data-dir", str(copy_of_demo), "recover", "--restore-latest", "--json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    offer = json.loads(proc.stdout)
    assert offer["status"] == "damaged" and offer["latest"] is None and offer["restored"] is None
    moved = Path(offer["moved_to"])
    assert moved.is_dir() and list(moved.glob("carebook.db*"))
    proc = carebook(tmp_path, "--data-dir", str(copy_of_demo), "children", "list")
    assert proc.returncode == 1
    no_traceback(proc)
    assert moved.name in proc.stderr and "carebook restore" in proc.stderr and "init 建立" not in proc.stderr


def test_an_argument_that_is_not_utf8_is_refused_in_words(copy_of_demo: Path, tmp_path: Path) -> None:
    """QA: ``--set $'notes=abc\\xe6'`` (a byte that is not UTF-8, from a terminal in another
    encoding) ended in a UnicodeEncodeError traceback. Now: one line, exit 2, nothing changed."""
    before = tree_hash(copy_of_demo)
    env = env_of(tmp_path, CAREBOOK_PASSPHRASE=DEMO_PASSPHRASE)
    args = [sys.executable.encode(), b"-m", b"carebook", b"--data-dir", str(copy_of_demo).encode(), b"children",
            b"update", b"some-child", b"--set", b"notes=abc\xe6"]
    proc = subprocess.run(args, capture_output=True, env=env, timeout=600)
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "不是 UTF-8" in err and "abc\\xe6" in err and "没有做任何改动" in err
    assert tree_hash(copy_of_demo) == before
