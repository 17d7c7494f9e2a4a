"""``carebook bundle inspect`` and ``carebook enrol create|list``: the bundle container and
enrolment from the command line (export, import and conflicts are added by the change layer).

``bundle inspect FILE…`` prints each bundle's cleartext header and checks its signature against
the pinned peers (and this installation's own key) without decrypting anything; it works without
a register too (the signature is then "unknown sender"). Exit 1 when a signature is invalid.

``enrol create`` (township) makes an enrolment file for one village, sealed with a 12-digit code
to read out by phone, and keeps the one-time secret in the encrypted register.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from carebook.cli.common import ask_passphrase_on_tty, command_group, data_dir_of, print_json
from carebook.model.db import Database, DatabaseNotFound, open_database
from carebook.model.enums import Role
from carebook.model.errors import CarebookError
from carebook.model.i18n import current_language, msg
from carebook.model.installation import Installation, find_installation
from carebook.sync.bundle_files import group_bundle_paths, inspect_bundle
from carebook.sync.bundle_format import InspectedBundle
from carebook.sync.enrolment import (
    DEFAULT_VALIDITY,
    generate_enrolment_code,
)
from carebook.sync.errors import IdentityMissingError, SignatureInvalidError
from carebook.sync.identity import PublicIdentity, load_installation_keys
from carebook.sync.peers import Peer, format_utc
from carebook.sync.trust_store import load_peers, load_pending_enrolments

if TYPE_CHECKING:
    from carebook.sync.exchange import SyncSite


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``bundle inspect`` and ``enrol create|list`` to the command line."""
    bundle_sub = command_group(sub, "bundle", "sync bundles (USB stick)", "bundle_command")
    add_bundle_inspect(bundle_sub)

    enrol = sub.add_parser("enrol", help="enrol village PCs (township)", description="Enrol village PCs.")
    enrol_sub = enrol.add_subparsers(dest="enrol_command", metavar="ACTION", required=True)
    p = enrol_sub.add_parser(
        "create",
        help="make an enrolment file for one village",
        description="Make an enrolment file for one village. Carry it on a USB stick only, and delete "
        "it from the stick after use. The village starts with 'carebook init --enrolment FILE'.",
    )
    p.add_argument("--village-code", required=True, help="the village's 12-digit division code")
    p.add_argument("--village-name", required=True, help="e.g. 翠苑一村")
    p.add_argument("--out", required=True, help="file to write, or a folder (file enrol-<code>.cbe)")
    p.add_argument("--valid-days", type=int, default=DEFAULT_VALIDITY.days, help="days the file stays valid")
    p.add_argument("--no-code", action="store_true", help="do not seal the file with a phone code")
    p.add_argument("--replace", action="store_true",
                   help="the village's PC was replaced (lost, stolen, broken): retire the old PC's keys now; "
                        "the new PC's first return bundle gives back the village's whole register")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_enrol_create)
    p = enrol_sub.add_parser("list", help="list enrolments and pinned peers with their fingerprints")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=run_enrol_list)


def add_bundle_inspect(bundle_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``bundle inspect`` to the ``bundle`` group (the change layer adds export/import)."""
    p = bundle_sub.add_parser(
        "inspect",
        help="show a bundle's header and check its signature, without decrypting",
        description="Show each bundle's cleartext header and check its signature against the pinned "
        "peers, without decrypting. Give one file, or any part of a split bundle.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="bundle file(s) (.cbk)")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=run_bundle_inspect)


# --- bundle inspect -----------------------------------------------------------------------------


@dataclass
class _TrustContext:
    peers: list[Peer]
    own: PublicIdentity | None


def _trust_context(args: argparse.Namespace) -> _TrustContext:
    try:
        db = open_database(data_dir_of(args), ask_passphrase=ask_passphrase_on_tty, migrate=False)
    except DatabaseNotFound:
        return _TrustContext([], None)
    try:
        with db.sessionmaker() as session:
            peers = load_peers(session)
        try:
            own: PublicIdentity | None = load_installation_keys(db.keystore).public()
        except IdentityMissingError:
            own = None
        return _TrustContext(peers, own)
    finally:
        db.close()


def run_bundle_inspect(args: argparse.Namespace) -> int:
    """Print the header and signature status of each bundle given. With several bundles, one
    that cannot be read (missing, truncated, not a bundle …) is named on stderr and the others
    are still shown (exit 1); a single one is refused with its message."""
    trust = _trust_context(args)
    groups = group_bundle_paths(Path(f) for f in args.files)
    results: list[InspectedBundle] = []
    failed: list[tuple[list[Path], CarebookError]] = []
    for group in groups:
        try:
            results.append(inspect_bundle(group, known_peers=trust.peers, own=trust.own))
        except CarebookError as exc:
            if len(groups) == 1:
                raise
            failed.append((list(group), exc))
    if not results:
        raise failed[0][1]
    if args.json:
        items = [r.to_json_obj() for r in results]
        items += [{"files": [str(p) for p in group], "error": _inspection_text(error.message)}
                  for group, error in failed]
        print_json(items if len(groups) > 1 else items[0])
    else:
        for i, result in enumerate(results):
            if i:
                print()
            _print_inspected(result)
    for group, error in failed:
        print(msg(f"无法查看 {group[0].name}：{_inspection_text(error.message_zh)}",
                  f"Cannot show {group[0].name}: {error.message_en}"), file=sys.stderr)
    if any(r.signature == "invalid" for r in results):
        raise SignatureInvalidError()
    return 1 if failed else 0


def _inspection_text(message: str) -> str:
    """A refusal's text without its import wording (``已拒绝导入，没有改动任何数据。``): inspecting
    imports nothing anyway."""
    return re.sub(r"已拒绝导入(，没有改动任何数据)?[，。]?", "", message).replace("。没有导入任何数据。", "。")


_SIGNATURE_TEXT = {
    "valid": ("有效", "valid"),
    "valid_enrolment_key": (
        "有效（用包内登记证明的密钥核对，该村尚未登记）",
        "valid (key from the enrolment proof, not pinned yet)",
    ),
    "invalid": ("无效：文件被改动、损坏或伪造", "INVALID: changed, damaged or forged"),
    "unknown_sender": ("无法核对：发送方未在本机登记", "cannot check: sender not enrolled here"),
    "retired": ("有效，但发送方是已更换的旧电脑：不会被导入", "valid, but from a replaced (retired) PC: it will not be imported"),
}


#: Labels of the header's counts (what the bundle carries).
_COUNT_LABELS = {"changes": ("变更", "changes"), "attachments": ("附件", "attachments"),
                 "acks": ("确认", "acks"), "records": ("记录", "records")}


def _print_inspected(result: InspectedBundle) -> None:
    zh = current_language() == "zh"
    h = result.header
    seq = (
        msg("无（仅确认）", "none (acknowledgements only)")
        if h.seq_from is None
        else f"{h.seq_from}–{h.seq_to}"
    )
    counts = msg("，", ", ").join(f"{_COUNT_LABELS.get(k, (k, k))[0 if zh else 1]} {v}"
                                  for k, v in sorted(h.counts.items())) or "-"
    sender = f"{result.sender.name}（{h.sender_code}）" if result.sender else h.sender_code
    rows = [
        (msg("包编号", "Bundle id"), h.bundle_id),
        (msg("格式版本", "Format version"), str(h.format)),
        (msg("生成时间", "Created"), format_utc(h.created_at)),
        (msg("发送方", "Sender"), f"{sender}  {msg('安装', 'installation')} {h.sender_installation_id}"),
        (msg("签名密钥", "Signing key id"), h.sender_signing_key_id),
        (msg("接收方", "Recipient"),
         f"{h.recipient_installation_id}  {msg('加密密钥', 'key')} {h.recipient_encryption_key_id}"),
        (msg("序号范围", "Sequence range"), seq),
        (msg("数量", "Counts"), counts),
        (msg("数据库版本", "Schema version"), h.schema_version),
        (msg("内容", "Payload"), msg(f"压缩前 {h.payload_size} 字节，校验值 SHA-256 {h.payload_sha256}",
                                     f"{h.payload_size} B before compression ({h.compression}), SHA-256 {h.payload_sha256}")),
        (msg("文件大小", "File size"), msg(f"{result.size} 字节", f"{result.size} B")),
        (msg("登记证明", "Enrolment proof"), msg("有", "yes") if h.enrolment else msg("无", "no")),
        (msg("签名", "Signature"), msg(*_SIGNATURE_TEXT[result.signature])),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")


# --- enrol --------------------------------------------------------------------------------------


@contextmanager
def _open_register(args: argparse.Namespace) -> Iterator[tuple[Database, Installation]]:
    db = open_database(data_dir_of(args), ask_passphrase=ask_passphrase_on_tty)
    try:
        with db.sessionmaker() as session:
            installation = find_installation(session)
        if installation is None:
            raise CarebookError(
                "还没有初始化：请先运行 carebook init", "not set up yet: run 'carebook init' first"
            )
        yield db, installation
    finally:
        db.close()


def _out_path(out: str, village_code: str) -> Path:
    """Where ``--out`` puts the enrolment file: an existing folder gets ``enrol-<code>.cbe``;
    a path that does not exist is a file name only if it has an extension (``x.cbe``): a name
    without one (``stick``) is taken for a folder that is not there (a USB stick not plugged
    in) and refused, rather than written as a file called ``stick``.

    Raises:
        CarebookError: a folder that does not exist.
    """
    path = Path(out).expanduser()
    if path.is_dir():
        return path / f"enrol-{village_code}.cbe"
    if not path.exists() and not path.suffix:
        raise CarebookError(f"找不到文件夹 {path}：请插好 U 盘或先建立这个文件夹，"
                            "或给出以 .cbe 结尾的文件名",
                            f"no folder {path}: plug in the USB stick or create the folder, "
                            "or give a file name ending in .cbe")
    return path


def _check_village_of(village_code: str, installation: Installation) -> None:
    """A township enrols only its own villages: the village's 12-digit code starts with the
    township's 9 digits (:func:`carebook.model.division_rules.check_within`)."""
    from carebook.model.division_rules import check_within

    if installation.role is not Role.VILLAGE:
        check_within(village_code, installation.org_code, "village_code")


def run_enrol_create(args: argparse.Namespace) -> int:
    """Make the enrolment file, keep the pending enrolment, print the code and fingerprint."""
    from carebook.model.division_rules import check_role_code

    village_code = check_role_code("village", args.village_code, "village_code")
    village_name = args.village_name.strip()
    if not village_name:
        raise CarebookError("请填写村名", "the village name is required")
    if not 1 <= args.valid_days <= 90:
        raise CarebookError("有效天数应在 1 到 90 之间", "--valid-days must be between 1 and 90")
    target = _out_path(args.out, village_code)
    if args.replace:
        return _run_enrol_replace(args, village_code, village_name, target)
    from carebook.sync.enrolment_issue import issue_enrolment_file

    code = None if args.no_code else generate_enrolment_code()
    with _enrolling_site(args, village_code) as site:
        issued = issue_enrolment_file(site, village_code=village_code, village_name=village_name, out=target,
                                      code=code, valid_for=timedelta(days=args.valid_days))
        keys = site.keys()
    enrolment, written = issued.enrolment, [issued.path]
    fingerprint = keys.public().fingerprint
    expires = format_utc(enrolment.expires_at)
    if args.json:
        print_json(
            {
                "file": str(written[0]),
                "enrolment_id": enrolment.enrolment_id,
                "village_code": village_code,
                "village_name": village_name,
                "code": code,
                "township_fingerprint": fingerprint,
                "expires_at": expires,
            }
        )
        return 0
    print(msg(f"已为 {village_name}（{village_code}）制作登记文件：{written[0]}",
              f"Enrolment file for {village_name} ({village_code}): {written[0]}"))  # fmt: skip
    if code:
        print(msg(f"登记码：{code}  （请打电话告诉儿童主任，不要写在 U 盘上）",
                  f"Enrolment code: {code}  (tell the child director by phone; never write it on the stick)"))  # fmt: skip
    print(msg(f"本乡镇指纹：{fingerprint}  （请儿童主任在电话里核对）",
              f"Township fingerprint: {fingerprint}  (compare with the child director by phone)"))  # fmt: skip
    print(msg(f"有效期至：{expires}", f"Valid until: {expires}"))
    print(msg("登记文件只能用 U 盘带去，村里使用后请立即从 U 盘删除。",
              "Carry the file on a USB stick only, and delete it from the stick once the village has used it."))  # fmt: skip
    return 0


@contextmanager
def _enrolling_site(args: argparse.Namespace, village_code: str) -> Iterator[SyncSite]:
    """The register of ``--data-dir`` opened to enrol ``village_code`` (closed afterwards).

    Raises:
        CarebookError: not set up yet; not a township, or the village is not under it
            (:func:`_check_village_of`).
    """
    from carebook.sync.exchange import SyncSite

    site = SyncSite.open(data_dir_of(args), ask_passphrase=ask_passphrase_on_tty)
    try:
        installation = site.register.installation()
        if installation is None:
            raise CarebookError("还没有初始化：请先运行 carebook init", "not set up yet: run 'carebook init' first")
        _check_village_of(village_code, installation)
        yield site
    finally:
        site.close()


def _run_enrol_replace(args: argparse.Namespace, village_code: str, village_name: str, target: Path) -> int:
    """``enrol create --replace``: re-enrol a village whose PC was replaced (sync/restore.py)."""
    from carebook.sync.enrolment_issue import check_new_enrolment
    from carebook.sync.restore import create_replacement_enrolment_file

    code = None if args.no_code else generate_enrolment_code()
    with _enrolling_site(args, village_code) as site:
        check_new_enrolment(site, village_code, village_name, replacement=True)
        made = create_replacement_enrolment_file(site, village_code=village_code, village_name=village_name,
                                                 out=target, code=code, valid_for=timedelta(days=args.valid_days))
        fingerprint = site.keys().public().fingerprint
    expires = format_utc(made.enrolment.expires_at)
    if args.json:
        print_json({**made.to_json(), "code": code, "township_fingerprint": fingerprint, "expires_at": expires})
        return 0
    print(msg(f"已为 {village_name}（{village_code}）制作更换电脑用的登记文件：{made.path}",
              f"Replacement enrolment file for {village_name} ({village_code}): {made.path}"))  # fmt: skip
    print(msg(f"旧电脑已停用：{len(made.retired)} 台；它以后发来的同步包一律拒收。",
              f"Old PC retired: {len(made.retired)}; any bundle it sends from now on is refused."))  # fmt: skip
    if code:
        print(msg(f"登记码：{code}  （请打电话告诉儿童主任，不要写在 U 盘上）",
                  f"Enrolment code: {code}  (tell the child director by phone; never write it on the stick)"))  # fmt: skip
    print(msg(f"本乡镇指纹：{fingerprint}  （请儿童主任在电话里核对）",
              f"Township fingerprint: {fingerprint}  (compare with the child director by phone)"))  # fmt: skip
    print(msg(f"有效期至：{expires}", f"Valid until: {expires}"))
    print(msg("下一步：新电脑用这个文件初始化（carebook init --enrolment）并导出第一个同步包；乡镇导入后再导出，"
              "发给该村的同步包就是恢复包，新电脑导入后即恢复全村的档案。",
              "Next: the new PC starts from this file (carebook init --enrolment) and exports its first bundle; "
              "once the township has imported it, its next export for the village is the restore bundle that "
              "gives the new PC back the village's whole register."))  # fmt: skip
    return 0


def run_enrol_list(args: argparse.Namespace) -> int:
    """List this installation's fingerprint, pinned peers and issued enrolments."""
    with _open_register(args) as (db, _installation):
        try:
            own: str | None = load_installation_keys(db.keystore).public().fingerprint
        except IdentityMissingError:
            own = None
        with db.sessionmaker() as session:
            peers, pending = _listing(session)
    if args.json:
        print_json({"own_fingerprint": own, "peers": peers, "enrolments": pending})
        return 0
    print(
        msg(
            f"本机指纹：{own or '（尚未生成密钥）'}", f"This computer's fingerprint: {own or '(no keys yet)'}"
        )
    )
    for peer in peers:
        state = msg("已停用", "retired") if peer["retired"] else msg("有效", "active")
        print(f"  {peer['name']}（{peer['code']}） {peer['fingerprint']}  {state}")
    for item in pending:
        used = msg("已使用", "used") if item["used_at"] else msg("待使用", "not used yet")
        print(f"  {msg('登记文件', 'enrolment')} {item['village_name']}（{item['village_code']}） "
              f"{msg('有效期至', 'valid until')} {item['expires_at']}  {used}")  # fmt: skip
    return 0


def _listing(session: Session) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    peers = [{**p.to_json_obj(), "fingerprint": p.fingerprint} for p in load_peers(session)]
    pending = []
    for p in load_pending_enrolments(session):
        obj = p.to_json_obj()
        del obj["secret"]
        pending.append(obj)
    return peers, pending


__all__ = ["add_bundle_inspect", "register", "run_bundle_inspect", "run_enrol_create", "run_enrol_list"]
