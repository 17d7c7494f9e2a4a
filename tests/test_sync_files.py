"""Writing bundles to a folder standing for a USB stick: atomic, verified, FAT-safe, split in parts;
and finding removable drives from given /proc/mounts text and drive masks."""

from __future__ import annotations

from pathlib import Path

import pytest

from carebook.sync.atomic_files import (
    DRIVE_REMOVABLE,
    FAT32_MAX_FILE_SIZE,
    RemovableDrive,
    block_base_name,
    is_fat_safe_name,
    linux_removable_drives,
    parse_proc_mounts,
    remove_stale_temp_files,
    safe_name_component,
    windows_removable_drives,
    write_files_atomically,
)
from carebook.sync.bundle_files import (
    bundle_file_name,
    group_bundle_paths,
    load_bundle_bytes,
    looks_like_bundle,
    read_bundle,
    write_bundle,
)
from carebook.sync.bundle_parts import PART_HEADER_LENGTH, join_parts, split_bundle
from carebook.sync.errors import (
    CorruptBundleError,
    InsufficientSpaceError,
    MissingPartsError,
    PartsMismatchError,
    ReadBackFailedError,
    TargetExistsError,
    UnsafeFileNameError,
)
from sync_helpers import PAYLOAD, World, make_world, seal_from_village


@pytest.fixture
def world() -> World:
    return make_world()


def _final_names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- atomic writes ------------------------------------------------------------------------------


def test_out_of_space_leaves_no_file_and_the_next_export_carries_the_same(
    world: World, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    sealed = seal_from_village(world)
    with pytest.raises(InsufficientSpaceError) as info:
        write_bundle(stick, sealed, signer=world.village.public(), free_space=lambda _: len(sealed.data))
    assert "空间不足" in info.value.message_zh
    assert info.value.free == len(sealed.data)
    assert _final_names(stick) == []  # nothing under the final name, no temporary either

    written = write_bundle(stick, sealed, signer=world.village.public())
    assert _final_names(stick) == [written.paths[0].name]


def test_out_of_space_for_parts_writes_no_part(world: World, tmp_path: Path) -> None:
    sealed = seal_from_village(world)
    with pytest.raises(InsufficientSpaceError):
        write_bundle(
            tmp_path, sealed, signer=world.village.public(), part_size=300, free_space=lambda _: 2000
        )
    assert _final_names(tmp_path) == []


def test_read_back_failure_removes_the_file(tmp_path: Path) -> None:
    def refuse(path: Path, data: bytes) -> None:
        raise ReadBackFailedError("simulated faulty stick")

    with pytest.raises(ReadBackFailedError):
        write_files_atomically(tmp_path, [("a.cbk", b"one"), ("b.cbk", b"two")], verify=refuse)
    assert _final_names(tmp_path) == []


def test_rewriting_the_same_file_is_harmless_but_a_different_one_is_refused(tmp_path: Path) -> None:
    write_files_atomically(tmp_path, [("x.cbk", b"same")])
    assert write_files_atomically(tmp_path, [("x.cbk", b"same")]) == [tmp_path / "x.cbk"]
    with pytest.raises(TargetExistsError):
        write_files_atomically(tmp_path, [("x.cbk", b"other")])
    assert (tmp_path / "x.cbk").read_bytes() == b"same"


def test_missing_folder_and_unsafe_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeFileNameError):
        write_files_atomically(tmp_path, [("儿童.cbk", b"x")])
    from carebook.sync.errors import WriteFailedError

    with pytest.raises(WriteFailedError):
        write_files_atomically(tmp_path / "unplugged", [("a.cbk", b"x")])


def test_stale_temporary_files_are_cleaned(tmp_path: Path) -> None:
    (tmp_path / "cbtmp-0123456789ab.tmp").write_bytes(b"half")
    (tmp_path / "keep.cbk").write_bytes(b"x")
    assert [p.name for p in remove_stale_temp_files(tmp_path)] == ["cbtmp-0123456789ab.tmp"]
    assert _final_names(tmp_path) == ["keep.cbk"]


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("cb-330102001203-1-40-1a2b3c4d.cbk", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("村.cbk", False),
        ("a:b.cbk", False),
        ('a"b.cbk', False),
        ("a b.cbk", False),
        ("trailing.", False),
        (".hidden", False),
        ("CON.cbk", False),
        ("com1", False),
        ("", False),
    ],
)
def test_fat_safe_names(name: str, ok: bool) -> None:
    assert is_fat_safe_name(name) is ok


def test_bundle_names_are_fat_safe_even_with_odd_codes(world: World) -> None:
    header = seal_from_village(world).header
    assert bundle_file_name(header).startswith("cb-330102001203-1-40-")
    odd = header.__class__(**{**header.__dict__, "sender_code": "翠苑/一村:" * 10, "seq_to": 10**15})
    name = bundle_file_name(odd)
    assert is_fat_safe_name(name) and is_fat_safe_name(name.replace(".cbk", ".part999.cbk"))
    assert safe_name_component("翠苑") == "x"


# --- parts --------------------------------------------------------------------------------------


def test_split_into_parts_and_rejoined(world: World, tmp_path: Path) -> None:
    sealed = seal_from_village(world)
    written = write_bundle(tmp_path, sealed, signer=world.village.public(), part_size=400)
    assert len(written.paths) > 2
    assert all(p.stat().st_size <= 400 for p in written.paths)
    assert written.paths[1].name.endswith(".part002.cbk")
    assert all(looks_like_bundle(p) for p in written.paths)

    # any one part finds its siblings; an explicit, shuffled list works too
    for given in (written.paths[-1], list(reversed(written.paths))):
        opened = read_bundle(given, my_keys=world.township, known_peers=[world.village_as_peer])
        assert opened.payload == PAYLOAD
    assert group_bundle_paths([*written.paths, tmp_path / "other.cbk"]) == [
        written.paths,
        [tmp_path / "other.cbk"],
    ]


def test_missing_part_is_named(world: World, tmp_path: Path) -> None:
    written = write_bundle(tmp_path, seal_from_village(world), signer=world.village.public(), part_size=400)
    written.paths[1].unlink()
    with pytest.raises(MissingPartsError) as info:
        load_bundle_bytes(written.paths[0])
    assert info.value.missing == [2]
    assert "第 2 卷" in info.value.message_zh


def test_parts_of_different_bundles_do_not_mix(world: World) -> None:
    a = seal_from_village(world)
    b = seal_from_village(world)
    parts_a = split_bundle(a.data, a.header.bundle_id, 500)
    parts_b = split_bundle(b.data, b.header.bundle_id, 500)
    with pytest.raises(PartsMismatchError):
        join_parts([parts_a[0], parts_b[1]])


def test_damaged_part_is_detected(world: World) -> None:
    sealed = seal_from_village(world)
    parts = split_bundle(sealed.data, sealed.header.bundle_id, 500)
    damaged = bytearray(parts[1])
    damaged[PART_HEADER_LENGTH + 5] ^= 0xFF
    with pytest.raises(CorruptBundleError):
        join_parts([parts[0], bytes(damaged), *parts[2:]])
    assert join_parts(list(reversed(parts))) == sealed.data


def test_part_size_is_capped_at_fat32_limit(world: World) -> None:
    sealed = seal_from_village(world)
    assert len(split_bundle(sealed.data, sealed.header.bundle_id, FAT32_MAX_FILE_SIZE)) == 1


# --- removable drives ---------------------------------------------------------------------------

PROC_MOUNTS = r"""sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
/dev/nvme0n1p2 / ext4 rw,relatime 0 0
tmpfs /run tmpfs rw,nosuid,nodev 0 0
/dev/sdb1 /media/zhang/U\040PAN vfat rw,nosuid,nodev,uid=1000 0 0
/dev/sdc1 /run/media/li/KINGSTON exfat rw,nosuid,nodev 0 0
/dev/mmcblk0p1 /mnt/card vfat rw 0 0
/dev/sda1 /home ext4 rw 0 0
"""


def test_linux_removable_drives_from_proc_mounts() -> None:
    removable = {"sdb", "mmcblk0"}  # sdc (a USB SSD) reports removable=0 but is under /run/media
    drives = linux_removable_drives(PROC_MOUNTS, is_removable=lambda base: base in removable)
    assert drives == [
        RemovableDrive(Path("/media/zhang/U PAN"), "U PAN", "vfat"),
        RemovableDrive(Path("/run/media/li/KINGSTON"), "KINGSTON", "exfat"),
        RemovableDrive(Path("/mnt/card"), "card", "vfat"),
    ]
    assert parse_proc_mounts("garbage\n")[:1] == []


@pytest.mark.parametrize(
    ("device", "base"),
    [
        ("/dev/sdb1", "sdb"),
        ("/dev/sdb", "sdb"),
        ("/dev/mmcblk0p1", "mmcblk0"),
        ("/dev/nvme0n1p2", "nvme0n1"),
        ("/dev/mapper/root", None),
        ("tmpfs", None),
    ],
)
def test_block_base_name(device: str, base: str | None) -> None:
    assert block_base_name(device) == base


def test_windows_removable_drives_from_mask() -> None:
    mask = (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5)  # A: C: E: F:
    types = {"A:\\": DRIVE_REMOVABLE, "C:\\": 3, "E:\\": DRIVE_REMOVABLE, "F:\\": 5}
    drives = windows_removable_drives(mask, lambda root: types[root])
    assert [d.label for d in drives] == ["E:"]
