"""``carebook serve``, ``carebook push URL`` and ``carebook pull URL``: bundles over a connection
instead of a USB stick, through an inbox relay (see ``docs/relay.md``).

* ``serve`` runs the relay (it needs no register: it stores bundles it cannot read);
* ``push`` (village) exports the changes the township has not acknowledged and uploads them;
  (township) publishes the list of enrolled village keys to the relay, then uploads one return
  bundle per village; with FILE arguments, uploads those bundle files instead of exporting;
* ``pull`` downloads the bundles waiting for this installation into the inbox folder and imports
  them as if they had come by USB stick.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from carebook.cli.common import open_database_of, print_json
from carebook.model.errors import CarebookError, FileAccessError
from carebook.model.i18n import msg
from carebook.model.register import Register
from carebook.sync.exchange import SyncSite
from carebook.sync.relay_client import DEFAULT_CHUNK, Progress
from carebook.sync.relay_exchange import RelaySettings, pull_via_relay, push_via_relay, resolve_relay


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve``, ``push`` and ``pull`` to the command line."""
    p = sub.add_parser("serve", help="run the inbox relay (stores bundles it cannot read)",
                       description="Run the inbox relay: villages and their township leave bundles for each "
                                   "other here when they have a connection. Only installations in a township's "
                                   "signed key list may use it.")  # fmt: skip
    p.add_argument("--store", required=True, metavar="DIR", help="folder where the relay keeps bundles")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--tls-cert", metavar="F", help="TLS certificate (PEM)")
    p.add_argument("--tls-key", metavar="F", help="TLS private key (PEM)")
    p.add_argument("--make-tls-cert", action="store_true",
                   help="make a self-signed certificate in DIR/tls (if none yet) and use it")  # fmt: skip
    p.add_argument("--township-key", action="append", default=[], metavar="HEX",
                   help="trust this township's signing key (64 hex digits, shown by 'carebook push --show-key')")  # fmt: skip
    p.add_argument("--max-bundle-mb", type=int, default=256, help="largest bundle accepted, MiB (default 256)")
    p.add_argument("--quota-mb", type=int, default=1024, help="bytes one PC may have waiting, MiB (default 1024)")
    p.set_defaults(func=run_serve)

    for name, helptext in (("push", "upload bundles to the relay"), ("pull", "download and import bundles")):
        q = sub.add_parser(name, help=helptext, description=_DESCRIPTIONS[name])
        q.add_argument("url", nargs="?", metavar="URL", help="the relay, e.g. https://192.168.1.10:8765")
        q.add_argument("--cert", metavar="PEM", help="the relay's certificate given at enrolment (kept for next time)")
        q.add_argument("--json", action="store_true", help="print the result as JSON")
        q.add_argument("--chunk-kb", type=int, default=DEFAULT_CHUNK // 1024, help="upload chunk size in KiB")
        if name == "push":
            q.add_argument("files", nargs="*", metavar="FILE", help="bundle files to upload (default: export now)")
            q.add_argument("--show-key", action="store_true",
                           help="print this PC's signing key for 'carebook serve --township-key' and exit")  # fmt: skip
            q.set_defaults(func=run_push)
        else:
            q.add_argument("--to", metavar="DIR", help="where to keep downloaded bundles (default DATA_DIR/inbox)")
            q.add_argument("--no-import", action="store_true", help="download only; do not import")
            q.set_defaults(func=run_pull)


_DESCRIPTIONS = {
    "push": "Village: export the changes the township has not acknowledged and upload them. Township: "
            "publish the enrolled village keys to the relay, then upload a return bundle for each "
            "village. Interrupted uploads continue where they stopped.",
    "pull": "Download every bundle waiting at the relay for this PC, check it, and import it as if it "
            "had come by USB stick.",
}


# --------------------------------------------------------------------------- serve


def run_serve(args: argparse.Namespace) -> int:
    """Run the relay in the foreground until Ctrl+C."""
    from carebook.sync.relay_server import cert_fingerprint, make_self_signed_cert, run_relay
    from carebook.sync.relay_store import MIB, RelayLimits, RelayStore

    store_dir = Path(args.store).expanduser()
    if bool(args.tls_cert) != bool(args.tls_key):
        raise CarebookError("--tls-cert 和 --tls-key 要一起给出", "--tls-cert and --tls-key go together")
    cert = Path(args.tls_cert) if args.tls_cert else None
    key = Path(args.tls_key) if args.tls_key else None
    if args.make_tls_cert and cert is None:
        cert, key = store_dir / "tls" / "relay.pem", store_dir / "tls" / "relay.key"
        if not cert.exists():
            make_self_signed_cert(cert, key, host=args.host if args.host not in ("0.0.0.0", "::") else "carebook-relay")
    limits = RelayLimits(max_bundle=args.max_bundle_mb * MIB, quota=args.quota_mb * MIB)
    store = RelayStore(store_dir, limits)
    for text in args.township_key:
        try:
            raw = bytes.fromhex(text.strip())
            store.add_anchor(raw)
        except ValueError:
            raise CarebookError(f"乡镇密钥“{text}”不对：应是 64 位十六进制数字",
                                f"township key '{text}' must be 64 hex digits") from None  # fmt: skip
    if not store.anchors():
        raise CarebookError(
            "中转站还没有信任任何乡镇：请加上 --township-key（在乡镇电脑上运行 carebook push --show-key 可以看到）。",
            "The relay trusts no township yet: add --township-key (run 'carebook push --show-key' on the "
            "township PC to see it).",
        )
    scheme = "https" if cert else "http"
    print(msg(f"中转站：{scheme}://{args.host}:{args.port}  存储：{store_dir}",
              f"Relay: {scheme}://{args.host}:{args.port}  store: {store_dir}"))  # fmt: skip
    if cert:
        print(msg(f"证书指纹（SHA-256，请各村核对）：{cert_fingerprint(cert.read_bytes())}",
                  f"Certificate fingerprint (SHA-256, villages compare it): {cert_fingerprint(cert.read_bytes())}"))  # fmt: skip
        print(msg(f"把证书文件 {cert} 交给各村（carebook push URL --cert 该文件）。",
                  f"Give the certificate file {cert} to the villages (carebook push URL --cert FILE)."))  # fmt: skip
    sys.stdout.flush()
    run_relay(store, host=args.host, port=args.port, tls_cert=cert, tls_key=key)
    return 0


# --------------------------------------------------------------------------- push / pull


def _open_site(args: argparse.Namespace) -> SyncSite:
    """The register (SQLCipher file, or PostgreSQL with --database-url) with its key store."""
    db = open_database_of(args)
    root = db.paths.root if db.paths is not None else None
    return SyncSite(db, Register(db.sessionmaker, data_dir=root, close=db.close))


def _settings(args: argparse.Namespace, site: SyncSite) -> RelaySettings:
    pem: bytes | None = None
    if args.cert:
        try:
            pem = Path(args.cert).expanduser().read_bytes()
        except OSError as exc:
            raise FileAccessError(exc, args.cert, "读取证书文件", "read the certificate file") from None
    return resolve_relay(site, args.url, pem)


def _progress_of(args: argparse.Namespace) -> Progress | None:
    return None if args.json or not sys.stderr.isatty() else _progress


def _retry_notice(failures: int, attempts: int, reason: str, delay: float) -> None:
    """Told before each wait for an unreachable relay (stderr, also with ``--json``)."""
    print(msg(f"连不上中转站（{reason}），{delay:.0f} 秒后再试（第 {failures + 1} 次，最多 {attempts} 次）……",
              f"Cannot reach the relay ({reason}); trying again in {delay:.0f} s (try {failures + 1} of {attempts})..."),
          file=sys.stderr, flush=True)  # fmt: skip


def _progress(done: int, total: int) -> None:
    percent = 100 * done // total if total else 100
    print(f"\r  {done // 1024} / {total // 1024} KiB  {percent}%", end="" if done < total else "\n",
          file=sys.stderr, flush=True)  # fmt: skip


def run_push(args: argparse.Namespace) -> int:
    """Upload bundles (exported now, or the FILEs given); a township publishes its key list first."""
    site = _open_site(args)
    try:
        if args.show_key:
            public = site.keys().public()
            print(public.signing_public_key.hex())
            print(msg(f"指纹：{public.fingerprint}", f"fingerprint: {public.fingerprint}"), file=sys.stderr)
            return 0
        report = push_via_relay(site, _settings(args, site), files=[Path(f) for f in args.files],
                                progress=_progress_of(args), chunk_size=max(16, args.chunk_kb) * 1024,
                                on_retry=_retry_notice)  # fmt: skip
    finally:
        site.close()
    if args.json:
        print_json(report.to_json())
        return 0
    if report.published_keys:
        count = report.published_keys["villages"]
        print(msg(f"已向中转站发布登记名单：{count} 个村", f"Published the key list to the relay: {count} villages"))
    for item in report.bundles:
        name = Path(item["files"][0]).name
        state = "" if item["status"] == "stored" else msg("（中转站已有，未重传）", " (already at the relay)")
        print(msg(f"已上传 {name}（{item['size']} 字节）{state}", f"Uploaded {name} ({item['size']} bytes){state}"))
    return 0


def run_pull(args: argparse.Namespace) -> int:
    """Download waiting bundles and import them; exit 1 when an import was refused."""
    site = _open_site(args)
    try:
        report = pull_via_relay(site, _settings(args, site), dest=Path(args.to).expanduser() if args.to else None,
                                import_bundles_too=not args.no_import, progress=_progress_of(args),
                                on_retry=_retry_notice)  # fmt: skip
    finally:
        site.close()
    if args.json:
        print_json(report.to_json())
    else:
        if not report.downloaded:
            print(msg("中转站上没有等待本机的同步包。", "Nothing is waiting at the relay for this PC."))
        for p in report.downloaded:
            print(msg(f"已下载 {p.path.name}（{p.size} 字节）", f"Downloaded {p.path.name} ({p.size} bytes)"))
        for item in report.imported:
            if item["already_imported"]:
                print(msg(f"  {item['sender_code']}：之前已导入，无变化",
                          f"  {item['sender_code']}: already imported, nothing changed"))  # fmt: skip
            else:
                print(msg(f"  {item['sender_code']}：已导入 {item['applied']} 项改动，冲突 {item['conflicts']}",
                          f"  {item['sender_code']}: imported {item['applied']} changes, {item['conflicts']} conflicts"))  # fmt: skip
    for item in report.refused:
        print(msg(f"carebook: {item['file']} 未导入：{item['error']}", f"carebook: {item['file']} refused: {item['error']}"),
              file=sys.stderr)  # fmt: skip
    return 1 if report.refused else 0


__all__ = ["register", "run_pull", "run_push", "run_serve"]
