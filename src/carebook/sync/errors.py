"""Errors of the sync layer: keys, enrolment files, bundle files and USB sticks.

Every failure a person can meet while carrying bundles by USB stick has its own class, so the
command line, the app and the tests can tell them apart, and each says in Chinese (and English)
what happened and what to do. All derive from :class:`SyncError`, itself a
:class:`carebook.model.errors.CarebookError`. The list is mirrored in ``docs/bundle-format.md``
("Errors").
"""

from __future__ import annotations

import re

from carebook.model.errors import CarebookError


class SyncError(CarebookError):
    """Base of every sync-layer error (同步错误)."""


# --- bundle files -------------------------------------------------------------------------------


class BundleError(SyncError):
    """Base of every refusal of a bundle file (同步包). Nothing has been imported when it is raised."""


class NotABundleError(BundleError):
    """The file does not start with the Carebook bundle magic: it is not a bundle at all."""

    def __init__(self, name: str = "") -> None:
        super().__init__(
            f"文件{_q(name)}不是 Carebook 同步包，已拒绝导入。请确认选择的是以 .cbk 结尾的同步包文件。",
            f"The file{_q(name, en=True)} is not a Carebook bundle and was refused. "
            "Choose a bundle file ending in .cbk.",
        )


class NewerFormatError(BundleError):
    """The bundle uses a format version newer than this program reads (版本过新)."""

    def __init__(self, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        super().__init__(
            f"这个同步包的格式版本是 {found}，本程序只能读取版本 {supported}。"
            "请先把 Carebook 升级到最新版本，再导入这个同步包。",
            f"This bundle has format version {found}; this program reads version {supported}. "
            "Update Carebook, then import the bundle again.",
        )


class TruncatedBundleError(BundleError):
    """The file is shorter than its own lengths say: it was cut off while copying (文件不完整)."""

    def __init__(self, expected: int | None = None, actual: int | None = None) -> None:
        self.expected = expected
        self.actual = actual
        detail_zh = f"（应有 {expected} 字节，实有 {actual} 字节）" if expected is not None else ""
        detail_en = f" (expected {expected} bytes, found {actual})" if expected is not None else ""
        super().__init__(
            f"同步包不完整{detail_zh}，可能是拷贝时 U 盘被提前拔出。已拒绝导入，没有改动任何数据。"
            "请让对方重新导出同步包，拷贝完成并“安全弹出”后再拔 U 盘。",
            f"The bundle is incomplete{detail_en}; the USB stick was probably removed while copying. "
            "Nothing was imported. Ask the sender to export it again and eject the stick safely.",
        )


class CorruptBundleError(BundleError):
    """The file's structure is broken (bad lengths, trailing bytes, unreadable header) (文件损坏)."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(
            "同步包已损坏，无法读取，已拒绝导入，没有改动任何数据。请让对方重新导出同步包；"
            f"如果多次出现，请更换 U 盘。{_paren(detail)}",
            "The bundle is damaged and cannot be read; nothing was imported. Ask the sender to "
            f"export it again; if this keeps happening, use another USB stick.{_paren_en(detail)}",
        )


class UnknownSenderError(BundleError):
    """The bundle is signed by a key that is not pinned here and carries no valid enrolment
    (未登记的发送方)."""

    def __init__(self, key_id: str, sender_code: str = "") -> None:
        self.key_id = key_id
        self.sender_code = sender_code
        who = f"（{sender_code}）" if sender_code else ""
        super().__init__(
            f"这个同步包来自未登记的电脑{who}，已拒绝导入。只有已完成登记（注册）的村才能发送同步包；"
            "请督导员为该村制作登记文件，并用电话核对指纹。",
            f"This bundle comes from a computer that is not enrolled here{_paren_en(sender_code)}; "
            "it was refused. Only enrolled villages can send bundles: create an enrolment file for "
            "the village and compare fingerprints by phone.",
        )


class SenderRetiredError(BundleError):
    """The bundle is signed by a village PC that was replaced (已更换的电脑): the township re-enrolled
    the village on a new PC and retired this one's keys, so nothing it sends is accepted any more
    (a stolen or broken-then-repaired PC cannot send changes)."""

    def __init__(self, sender_code: str = "", sender_name: str = "") -> None:
        self.sender_code = sender_code
        who = f"{sender_name}（{sender_code}）" if sender_name else sender_code
        super().__init__(
            f"这个同步包来自{who}已被更换的旧电脑：督导员已为该村重新登记了新电脑，旧电脑的密钥已停用，"
            "它发来的数据一律不再接收。已拒绝导入，没有改动任何数据。如果旧电脑被盗或丢失后又找回，请不要再使用它记录数据。",
            f"This bundle comes from the old, replaced PC of {sender_name or 'the village'} ({sender_code}): "
            "the village was re-enrolled on a new PC and the old PC's keys were retired, so nothing it "
            "sends is accepted any more. Refused; nothing was imported. If the old PC was stolen or "
            "lost and found again, do not record anything on it.",
        )


class SignatureInvalidError(BundleError):
    """The Ed25519 signature does not verify: the file was changed after signing, or forged
    (签名无效)."""

    def __init__(self) -> None:
        super().__init__(
            "同步包的签名无效：文件在导出后被改动过或已损坏，也可能是伪造的。已拒绝导入，没有改动任何数据。"
            "请让对方重新导出，并用另一只 U 盘拷贝。",
            "The bundle's signature is invalid: the file was changed or damaged after export, or it "
            "is forged. Nothing was imported. Ask the sender to export it again on another USB stick.",
        )


class WrongRecipientError(BundleError):
    """The bundle is encrypted for another installation (发给其他乡镇/电脑的同步包).

    ``recipient_key_id``: the key the bundle is encrypted to. ``at_village``: the refusing PC is a
    village's (the bundle is then usually another village's, from the same township stick);
    ``recipient``: who it is for, e.g. ``第2村（610402100202）``, when known (from the file name:
    a hint, see :func:`carebook.sync.bundle_files.recipient_code_of_name`), else empty."""

    def __init__(self, recipient_key_id: str, *, at_village: bool = False, recipient: str = "") -> None:
        self.recipient_key_id = recipient_key_id
        self.at_village = at_village
        self.recipient = recipient
        code = re.search(r"\d{9,12}", recipient)
        for_township = code is not None and len(code.group()) == 9  # GB/T 2260 + 3: a township's code
        for_village = code is not None and len(code.group()) == 12
        if at_village and for_township:
            super().__init__(
                f"这个同步包是发给 {recipient} 的（村里导出给乡镇的同步包），不是发给本村这台电脑的，已拒绝导入，"
                "没有改动任何数据。请把它交给乡镇儿童督导员，在乡镇的电脑上导入。",
                f"This bundle is for {recipient} (a village's bundle for the township), not for this village PC; "
                "it was refused and nothing was imported. Give it to the township's child supervisor.",
            )
            return
        if at_village:
            who_zh, who_en = (recipient, recipient) if recipient else ("另一台电脑（别的村或乡镇）", "another computer")
            super().__init__(
                f"这个同步包是发给 {who_zh} 的，不是发给本村这台电脑的，本机无法也不应打开，已拒绝导入，没有改动任何数据。"
                "请把它带到那个村的电脑上导入。如果本机是新换的电脑，请让乡镇督导员先导入本机导出的第一个同步包，"
                "再为本村重新导出。",
                f"This bundle is for {who_en}, not for this village PC; it was refused and nothing was imported. "
                "Take it to that village's PC. If this PC is a replacement, ask the supervisor to import its first "
                "bundle and then export again for this village.",
            )
            return
        if for_village:
            super().__init__(
                f"这个同步包是发给 {recipient} 的（乡镇导出给村的同步包），不是发给本机的，已拒绝导入，没有改动任何数据。"
                "请把它带到那个村的电脑上导入。",
                f"This bundle is for {recipient} (the township's bundle for a village), not for this PC; it was "
                "refused and nothing was imported. Take it to that village's PC.",
            )
            return
        who_zh = f"{recipient}（另一台电脑）" if recipient else "另一个乡镇（另一台电脑）"
        super().__init__(
            f"这个同步包是发给{who_zh}的，本机无法也不应打开，已拒绝导入。"
            "请把它交给正确的督导员；如果本机是新换的电脑，请让各村重新登记。",
            "This bundle is addressed to another township (another computer) and was refused. "
            "Give it to the right supervisor; if this computer was replaced, re-enrol the villages.",
        )


class DecryptionError(BundleError):
    """HPKE decryption failed although the signature was valid (解密失败)."""

    def __init__(self) -> None:
        super().__init__(
            "同步包无法解密，已拒绝导入，没有改动任何数据。可能是本机的密钥已更换。"
            "请联系技术支持，并让对方重新导出同步包。",
            "The bundle cannot be decrypted and was refused; nothing was imported. This computer's "
            "keys may have changed. Contact support and ask the sender to export again.",
        )


class PayloadCorruptError(BundleError):
    """The decrypted payload does not match its header (hash, size or compression) (内容校验失败)."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(
            f"同步包内容校验失败，已拒绝导入，没有改动任何数据。请让对方重新导出同步包。{_paren(detail)}",
            f"The bundle's contents fail their check and were refused; nothing was imported. "
            f"Ask the sender to export again.{_paren_en(detail)}",
        )


class MissingPartsError(BundleError):
    """A bundle split into parts is missing some of them (分卷不全)."""

    def __init__(self, missing: list[int], count: int) -> None:
        self.missing = list(missing)
        self.count = count
        numbers = "、".join(str(n) for n in missing)
        super().__init__(
            f"这个同步包共有 {count} 个分卷，缺少第 {numbers} 卷。请把所有 .partNNN.cbk 文件"
            "拷到同一个文件夹后再导入。",
            f"This bundle has {count} parts; part(s) {', '.join(str(n) for n in missing)} are missing. "
            "Copy every .partNNN.cbk file into one folder and import again.",
        )


class PartsMismatchError(BundleError):
    """Part files that do not belong together, or do not join into a whole bundle (分卷不匹配)."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(
            f"这些分卷文件不属于同一个同步包，或已损坏。请让对方重新导出。{_paren(detail)}",
            f"These part files do not belong to the same bundle, or are damaged. "
            f"Ask the sender to export again.{_paren_en(detail)}",
        )


# --- enrolment ----------------------------------------------------------------------------------


class EnrolmentError(SyncError):
    """Base of every enrolment failure (登记/注册错误)."""


class EnrolmentFileInvalidError(EnrolmentError):
    """The enrolment file is not a readable Carebook enrolment file (登记文件无效)."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(
            f"登记文件无效或已损坏。请向督导员要一份新的登记文件。{_paren(detail)}",
            f"The enrolment file is invalid or damaged. Ask the supervisor for a new one.{_paren_en(detail)}",
        )


class EnrolmentCodeRequiredError(EnrolmentError):
    """The enrolment file is protected by a code and none was given (需要登记码)."""

    def __init__(self) -> None:
        super().__init__(
            "这个登记文件有登记码保护。请打电话向督导员询问 12 位登记码并输入。",
            "This enrolment file is protected by a code. Phone the supervisor for the 12-digit "
            "enrolment code and enter it.",
        )


class EnrolmentCodeWrongError(EnrolmentError):
    """The code does not open the enrolment file (登记码错误)."""

    def __init__(self) -> None:
        super().__init__(
            "登记码不正确。请再次与督导员核对 12 位登记码（只填数字）。",
            "The enrolment code is wrong. Check the 12-digit code with the supervisor again (digits only).",
        )


class EnrolmentExpiredError(EnrolmentError):
    """The enrolment file (or the proof made from it) is past its expiry (登记文件已过期)."""

    def __init__(self, expires_at: str) -> None:
        self.expires_at = expires_at
        super().__init__(
            f"登记文件已于 {expires_at}（UTC）过期。请督导员重新制作登记文件。",
            f"The enrolment file expired at {expires_at} UTC. Ask the supervisor to create a new one.",
        )


class EnrolmentProofInvalidError(EnrolmentError, BundleError):
    """The first bundle's proof of the one-time secret does not verify (登记证明无效)."""

    def __init__(self) -> None:
        super().__init__(
            "这个同步包携带的登记证明无效：它不是用督导员发出的登记文件生成的。已拒绝导入。"
            "请督导员重新制作登记文件，并用电话核对指纹。",
            "The enrolment proof in this bundle is invalid: it was not made from the enrolment "
            "file the supervisor issued. Refused. Create a new enrolment file and compare "
            "fingerprints by phone.",
        )


class EnrolmentAlreadyUsedError(EnrolmentError, BundleError):
    """A one-time enrolment was already used by another computer (登记文件已被使用)."""

    def __init__(self, enrolment_id: str) -> None:
        self.enrolment_id = enrolment_id
        super().__init__(
            "这份登记文件已经被另一台电脑使用过，不能再次使用，已拒绝导入。"
            "如果该村换了电脑，请督导员重新制作登记文件。",
            "This enrolment file was already used by another computer and cannot be used again; "
            "refused. If the village replaced its computer, create a new enrolment file.",
        )


class EnrolmentUnknownError(EnrolmentError, BundleError):
    """The first bundle names an enrolment this township never issued (or has withdrawn)."""

    def __init__(self, enrolment_id: str) -> None:
        self.enrolment_id = enrolment_id
        super().__init__(
            "这个同步包所用的登记文件不是本乡镇发出的（或已作废），已拒绝导入。"
            "请确认该村使用的是本乡镇督导员制作的登记文件。",
            "This bundle uses an enrolment file this township did not issue (or withdrew); "
            "refused. Check that the village used an enrolment file from this township.",
        )


class EnrolmentWrongVillageError(EnrolmentError):
    """The enrolment file was made for another village than this installation (登记文件不是本村的)."""

    def __init__(self, file_village: str, this_village: str) -> None:
        self.file_village = file_village
        self.this_village = this_village
        super().__init__(
            f"这个登记文件是给 {file_village} 的，本机是 {this_village}。请向督导员要本村的登记文件。",
            f"This enrolment file is for {file_village}; this computer serves {this_village}. "
            "Ask the supervisor for this village's file.",
        )


# --- keys ---------------------------------------------------------------------------------------


class IdentityError(SyncError):
    """Base of failures around this installation's own keys (本机密钥)."""


class IdentityMissingError(IdentityError):
    """This installation has no sync keys yet (未初始化)."""

    def __init__(self) -> None:
        super().__init__(
            "本机还没有同步密钥。请先完成初始化（carebook init）。",
            "This computer has no sync keys yet. Run the first-time set-up (carebook init) first.",
        )


class IdentityCorruptError(IdentityError):
    """The stored keys cannot be read (密钥已损坏)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            f"本机的同步密钥无法读取，可能已损坏。请联系技术支持，不要重新初始化。{_paren(detail)}",
            f"This computer's sync keys cannot be read and may be damaged. Contact support; do not "
            f"re-initialise.{_paren_en(detail)}",
        )


class IdentityExistsError(IdentityError):
    """Keys already exist; making new ones would orphan every enrolment (密钥已存在)."""

    def __init__(self) -> None:
        super().__init__(
            "本机已有同步密钥，不能重新生成（否则乡镇将无法识别本机）。",
            "This computer already has sync keys; they cannot be regenerated (the township "
            "would no longer recognise it).",
        )


# --- files and USB sticks -----------------------------------------------------------------------


class FileWriteError(SyncError):
    """Base of failures while writing a file to a folder or USB stick (写入失败)."""


class InsufficientSpaceError(FileWriteError):
    """Not enough free space on the target drive; nothing was written (空间不足)."""

    def __init__(self, needed: int, free: int) -> None:
        self.needed = needed
        self.free = free
        super().__init__(
            f"U 盘（目标文件夹）空间不足：需要 {_mib(needed)}，只剩 {_mib(free)}。没有写入任何文件，"
            "数据没有丢失。请删除 U 盘上不需要的文件或换一只 U 盘后重新导出。",
            f"Not enough space on the USB stick (target folder): {_mib(needed)} needed, "
            f"{_mib(free)} free. Nothing was written and nothing is lost. Free some space or use "
            "another stick, then export again.",
        )


class WriteFailedError(FileWriteError):
    """The operating system refused or failed a write; no file is left under the final name."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(
            f"写入文件失败，没有留下不完整的文件，数据没有丢失。请检查 U 盘是否插好、是否写保护，"
            f"然后重新导出。{_paren(detail)}",
            f"Writing the file failed; no partial file was left and nothing is lost. Check that the "
            f"USB stick is plugged in and not write-protected, then export again.{_paren_en(detail)}",
        )


class ReadBackFailedError(FileWriteError):
    """The file read back from the drive differs from what was written: the stick is faulty."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(
            "写入后回读校验失败：U 盘上的文件与写入的内容不一致，这只 U 盘可能已损坏。"
            f"已删除这个文件，数据没有丢失。请换一只 U 盘重新导出。{_paren(detail)}",
            "The file read back from the drive differs from what was written; the USB stick may be "
            "faulty. The file was deleted and nothing is lost. "
            f"Export again to another stick.{_paren_en(detail)}",
        )


class TargetExistsError(FileWriteError):
    """A different file already has the final name (同名文件已存在)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"目标文件夹里已有同名但内容不同的文件 {name}，为避免覆盖，没有写入。请换一个文件夹。",
            f"The target folder already holds a different file named {name}; to avoid "
            "overwriting it nothing was written. Choose another folder.",
        )


class UnsafeFileNameError(FileWriteError):
    """A file name that FAT32/exFAT (or Windows) would reject or mangle (文件名不合规)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"文件名 {name!r} 不能用于 U 盘（只允许英文字母、数字、-、_ 和 .，最多 64 个字符）。",
            f"The file name {name!r} cannot be used on a USB stick (letters, digits, -, _ and . "
            "only, at most 64 characters).",
        )


def _q(name: str, *, en: bool = False) -> str:
    if not name:
        return ""
    return f" {name}" if en else f"“{name}”"


def _paren(detail: str) -> str:
    return f"（{detail}）" if detail else ""


def _paren_en(detail: str) -> str:
    return f" ({detail})" if detail else ""


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"
