<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AllowanceSettingsDialog</name>
    <message>
        <source>Allowance settings</source>
        <translation>补贴标准设置</translation>
    </message>
    <message>
        <source>Payer</source>
        <translation>承担方</translation>
    </message>
    <message>
        <source>Share (%)</source>
        <translation>比例（%）</translation>
    </message>
    <message>
        <source>&amp;Add payer</source>
        <translation>添加承担方(&amp;A)</translation>
    </message>
    <message>
        <source>Re&amp;move payer</source>
        <translation>删除承担方(&amp;M)</translation>
    </message>
    <message>
        <source>Staff appointed before this month are paid from this month.</source>
        <translation>在此月份以前任职的人员，从此月份起计发补贴。</translation>
    </message>
    <message>
        <source>From the month of taking office</source>
        <translation>从任职当月起计算</translation>
    </message>
    <message>
        <source>From the month after taking office (unless appointed on the 1st)</source>
        <translation>从任职次月起计算（1日任职的从当月起）</translation>
    </message>
    <message>
        <source>The month of &amp;leaving office is paid</source>
        <translation>离任当月计发补贴(&amp;L)</translation>
    </message>
    <message>
        <source>Child s&amp;upervisor, yuan a month</source>
        <translation>儿童督导员每月补贴（元）(&amp;U)</translation>
    </message>
    <message>
        <source>R&amp;eset to defaults</source>
        <translation>恢复默认标准(&amp;E)</translation>
    </message>
    <message>
        <source>Child &amp;director, yuan a month</source>
        <translation>儿童主任每月补贴（元）(&amp;D)</translation>
    </message>
    <message>
        <source>Fu&amp;nding shares</source>
        <translation>资金分担比例(&amp;N)</translation>
    </message>
    <message>
        <source>Scheme s&amp;tarts in</source>
        <translation>补贴起算月份(&amp;T)</translation>
    </message>
    <message>
        <source>First &amp;paid month</source>
        <translation>任职后起算(&amp;P)</translation>
    </message>
    <message>
        <source>100 yuan (supervisor) and 200 yuan (director) a month, 新区 : 新城 = 35 : 65, from 2020-01</source>
        <translation>儿童督导员每人每月100元，儿童主任每人每月200元，新区与新城按35:65分担，2020年1月起算</translation>
    </message>
    <message>
        <source>Post allowances of child supervisors and child directors are paid for whole months. The ledger on the Allowances page is computed with these settings.</source>
        <translation>儿童督导员和儿童主任的岗位补贴按整月计发。“补贴”页的台账按这里的标准计算。</translation>
    </message>
    <message>
        <source>Total: ?</source>
        <translation>合计：?</translation>
    </message>
    <message>
        <source>Total: %1%</source>
        <translation>合计：%1%</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Carebook</source>
        <translation>儿童关爱台账</translation>
    </message>
    <message>
        <source>The key of the register is not in this computer&apos;s keyring.
Enter the register&apos;s passphrase (or the recovery key):</source>
        <translation>本机的密钥库中没有台账数据库的密钥。
请输入数据库密码（或恢复密钥）：</translation>
    </message>
</context>
<context>
    <name>AppLockDialog</name>
    <message>
        <source>App lock</source>
        <translation>程序锁</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>A PIN has at least 4 digits; a password at least 6 characters. Keep it to yourself: whoever knows it can read every file when the app is open.</source>
        <translation>PIN 至少 4 位数字，密码至少 6 个字符。请不要告诉别人：知道它的人在程序打开时能看到所有档案。</translation>
    </message>
    <message>
        <source>Current PIN or password</source>
        <translation>当前的 PIN 或密码</translation>
    </message>
    <message>
        <source>empty: keep the current one</source>
        <translation>不填：保留原来的</translation>
    </message>
    <message>
        <source>New PIN or password</source>
        <translation>新的 PIN 或密码</translation>
    </message>
    <message>
        <source>Repeat it</source>
        <translation>再输入一次</translation>
    </message>
    <message>
        <source>Lock after idle for</source>
        <translation>无操作多久后锁定</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>The two new entries differ. Type them again.</source>
        <translation>两次输入的不一样，请重新输入。</translation>
    </message>
    <message>
        <source>Enter a PIN or password.</source>
        <translation>请输入 PIN 或密码。</translation>
    </message>
    <message>
        <source>Saving...</source>
        <translation>正在保存……</translation>
    </message>
</context>
<context>
    <name>AppLockPanel</name>
    <message>
        <source>App lock</source>
        <translation>程序锁</translation>
    </message>
    <message>
        <source>Set PIN or password...</source>
        <translation>设置 PIN 或密码...</translation>
    </message>
    <message>
        <source>Remove the lock...</source>
        <translation>取消程序锁...</translation>
    </message>
    <message>
        <source>Ctrl+L locks at once. The lock keeps passers-by out of an open app; lock the Windows account too when leaving the PC.</source>
        <translation>按 Ctrl+L 立即锁定。程序锁能挡住路过的人看到打开的程序；离开电脑时也请锁定 Windows 帐户。</translation>
    </message>
    <message>
        <source>No lock: anyone at this PC can use the open app.</source>
        <translation>未设置程序锁：任何人都能使用这台电脑上打开的程序。</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN 码</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>%1 set: the app locks after %2 idle minutes.</source>
        <translation>已设置 %1：无操作 %2 分钟后自动锁定。</translation>
    </message>
    <message>
        <source>Change...</source>
        <translation>更改...</translation>
    </message>
    <message>
        <source>Remove the lock</source>
        <translation>取消程序锁</translation>
    </message>
    <message>
        <source>Current PIN or password:</source>
        <translation>当前的 PIN 或密码：</translation>
    </message>
    <message>
        <source>The app lock is removed.</source>
        <translation>程序锁已取消。</translation>
    </message>
</context>
<context>
    <name>AppLocker</name>
    <message>
        <source>&amp;Lock now</source>
        <translation>立即锁定(&amp;L)</translation>
    </message>
    <message>
        <source>Unlock first, then close Carebook.</source>
        <translation>请先解锁，再关闭程序。</translation>
    </message>
    <message>
        <source>No PIN or password is set. Set one in Settings under &apos;App lock&apos; first.</source>
        <translation>还没有设置 PIN 或密码。请先在“设置”页的“程序锁”中设置。</translation>
    </message>
    <message>
        <source>Checking...</source>
        <translation>正在核对……</translation>
    </message>
    <message>
        <source>The PIN could not be checked. Try again.</source>
        <translation>无法核对 PIN，请再试一次。</translation>
    </message>
    <message>
        <source>Wrong PIN or password (%1 wrong in a row). Try again.</source>
        <translation>PIN 或密码不对（已连续错 %1 次）。请再试一次。</translation>
    </message>
    <message>
        <source>Try again.</source>
        <translation>请再试一次。</translation>
    </message>
    <message>
        <source>Wrong PIN or password (%1 wrong in a row). Wait %2 seconds before the next try.</source>
        <translation>PIN 或密码不对（已连续错 %1 次）。请等 %2 秒后再试。</translation>
    </message>
</context>
<context>
    <name>BackupPanel</name>
    <message>
        <source>No backup yet. Backups are kept in %1.</source>
        <translation>还没有备份。备份保存在 %1。</translation>
    </message>
    <message>
        <source>%1 backups kept in %2; the newest: %3.</source>
        <translation>共 %1 个备份，保存在 %2；最近一次：%3。</translation>
    </message>
    <message>
        <source>Backup and restore</source>
        <translation>备份与恢复</translation>
    </message>
    <message>
        <source>Also copy every backup to this folder on a USB stick (when plugged in):</source>
        <translation>每次备份后同时复制到U盘上的这个文件夹（插着U盘时）：</translation>
    </message>
    <message>
        <source>no folder chosen</source>
        <translation>未选择文件夹</translation>
    </message>
    <message>
        <source>Choose...</source>
        <translation>选择...</translation>
    </message>
    <message>
        <source>&amp;Back up now</source>
        <translation>立即备份(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Restore from a backup...</source>
        <translation>从备份恢复(&amp;R)...</translation>
    </message>
    <message>
        <source>&amp;Check the database</source>
        <translation>检查数据库(&amp;C)</translation>
    </message>
    <message>
        <source>A backup is taken every day when Carebook starts; backups stay encrypted. Keep the recovery sheet: on a new PC a backup opens with it.</source>
        <translation>每天启动程序时自动备份一次，备份同样加密。请保管好恢复单：换电脑后要用它打开备份。</translation>
    </message>
    <message>
        <source>Folder on the USB stick for backup copies</source>
        <translation>U盘上存放备份副本的文件夹</translation>
    </message>
    <message>
        <source>Backing up...</source>
        <translation>正在备份……</translation>
    </message>
    <message>
        <source>Backing up the register...</source>
        <translation>正在备份名册……</translation>
    </message>
    <message>
        <source>Backup written: %1</source>
        <translation>已备份：%1</translation>
    </message>
    <message>
        <source>Copied to the USB stick: %1</source>
        <translation>已复制到U盘：%1</translation>
    </message>
    <message>
        <source>Checking the database...</source>
        <translation>正在检查数据库……</translation>
    </message>
    <message>
        <source>Choose a backup</source>
        <translation>选择备份文件</translation>
    </message>
    <message>
        <source>Carebook backups (*.db)</source>
        <translation>Carebook 备份 (*.db)</translation>
    </message>
    <message>
        <source>This PC has no working keyring, so the restored register needs a new passphrase.</source>
        <translation>这台电脑没有可用的系统钥匙串，恢复后的名册需要设置一个新密码。</translation>
    </message>
    <message>
        <source>The key of this backup is not in this PC&apos;s keyring. Enter the register&apos;s passphrase or the recovery key from the recovery sheet.</source>
        <translation>这台电脑的系统钥匙串里没有这个备份的密钥。请输入名册密码，或恢复单上的恢复密钥。</translation>
    </message>
    <message>
        <source>Restore from a backup</source>
        <translation>从备份恢复</translation>
    </message>
    <message>
        <source>Replace the register with the backup of %1?

The register in use now is moved into a &apos;replaced-...&apos; folder of the data folder and kept, not deleted. Carebook then opens the restored register.</source>
        <translation>用 %1 的备份替换现在的名册吗？

现在使用的名册会移到数据文件夹中的“replaced-…”文件夹里保存，不会删除。然后程序会打开恢复后的名册。</translation>
    </message>
    <message>
        <source>Checking the backup...</source>
        <translation>正在检查备份……</translation>
    </message>
    <message>
        <source>Restoring: Carebook closes the register and opens it again...</source>
        <translation>正在恢复：程序会关闭名册，然后重新打开……</translation>
    </message>
    <message>
        <source>The backup of %1 is restored.</source>
        <translation>已恢复备份 %1。</translation>
    </message>
    <message>
        <source>The register used before is kept in %1.</source>
        <translation>原来的名册保存在 %1。</translation>
    </message>
</context>
<context>
    <name>ChildEditor</name>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Back to the register (Esc)</source>
        <translation>返回儿童名册（Esc）</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Save the file (Ctrl+S)</source>
        <translation>保存档案（Ctrl+S）</translation>
    </message>
    <message>
        <source>&amp;Undo last change</source>
        <translation>撤销上次修改(&amp;U)</translation>
    </message>
    <message>
        <source>Undo the last change of a field (Ctrl+Shift+Z)</source>
        <translation>撤销上一项修改（Ctrl+Shift+Z）</translation>
    </message>
    <message>
        <source>Record &amp;visit</source>
        <translation>记录走访(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Print forms</source>
        <translation>打印表格(&amp;P)</translation>
    </message>
    <message>
        <source>C&amp;lose file...</source>
        <translation>销档(&amp;L)...</translation>
    </message>
    <message>
        <source>Close the file with a reason (it is kept, never deleted)</source>
        <translation>按原因销档（档案保留，不会删除）</translation>
    </message>
    <message>
        <source>Assistance</source>
        <translation>救助帮扶</translation>
    </message>
    <message>
        <source>From</source>
        <translation>自</translation>
    </message>
    <message>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Yuan per month</source>
        <translation>每月金额（元）</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>No assistance recorded.</source>
        <translation>尚无救助帮扶记录。</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>走访记录</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Visitor</source>
        <translation>走访人</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>走访情况</translation>
    </message>
    <message>
        <source>Next visit</source>
        <translation>下次走访</translation>
    </message>
    <message>
        <source>No visit recorded yet.</source>
        <translation>尚无走访记录。</translation>
    </message>
    <message>
        <source>Entrustments</source>
        <translation>委托监护</translation>
    </message>
    <message>
        <source>Guardian</source>
        <translation>监护人</translation>
    </message>
    <message>
        <source>Document no.</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>No entrustment confirmation.</source>
        <translation>尚无委托监护确认书。</translation>
    </message>
    <message>
        <source>Reports and referrals</source>
        <translation>强制报告与转介</translation>
    </message>
    <message>
        <source>No report or referral.</source>
        <translation>尚无强制报告或转介记录。</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件名</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>添加时间</translation>
    </message>
    <message>
        <source>No attachment.</source>
        <translation>尚无附件。</translation>
    </message>
    <message>
        <source>History</source>
        <translation>修改记录</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>修改人</translation>
    </message>
    <message>
        <source>What</source>
        <translation>修改内容</translation>
    </message>
    <message>
        <source>Old value</source>
        <translation>原值</translation>
    </message>
    <message>
        <source>New value</source>
        <translation>新值</translation>
    </message>
    <message>
        <source>No change yet.</source>
        <translation>尚无修改记录。</translation>
    </message>
    <message>
        <source>Record visit</source>
        <translation>记录走访</translation>
    </message>
    <message>
        <source>Add scan or photo...</source>
        <translation>添加扫描件或照片...</translation>
    </message>
    <message>
        <source>Print the history...</source>
        <translation>打印历史记录...</translation>
    </message>
    <message>
        <source>Ctrl+S save · Esc back · Enter next field</source>
        <translation>Ctrl+S 保存 · Esc 返回 · 回车 下一项</translation>
    </message>
    <message>
        <source>(computed when saved)</source>
        <translation>（保存后自动判定）</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>New child</source>
        <translation>新儿童</translation>
    </message>
    <message>
        <source>Not saved yet</source>
        <translation>尚未保存</translation>
    </message>
    <message>
        <source>Not saved: %1 field(s) need correcting.</source>
        <translation>未保存：有 %1 项需要更正。</translation>
    </message>
    <message>
        <source>File changed meanwhile</source>
        <translation>档案已被修改</translation>
    </message>
    <message>
        <source>Reload (drop my changes)</source>
        <translation>重新载入（放弃我的修改）</translation>
    </message>
    <message>
        <source>Save mine anyway</source>
        <translation>仍然保存我的修改</translation>
    </message>
    <message>
        <source>Keep editing</source>
        <translation>继续编辑</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>有未保存的修改</translation>
    </message>
    <message>
        <source>The file of %1 has unsaved changes. Save them?</source>
        <translation>%1 的档案有未保存的修改，要保存吗？</translation>
    </message>
    <message>
        <source>the new child</source>
        <translation>新儿童</translation>
    </message>
    <message>
        <source>Add scans or photos</source>
        <translation>添加扫描件或照片</translation>
    </message>
    <message>
        <source>Images and PDF (*.jpg *.jpeg *.png *.pdf);;All files (*)</source>
        <translation>图片和 PDF (*.jpg *.jpeg *.png *.pdf);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>CloseFileDialog</name>
    <message>
        <source>Close the file</source>
        <translation>销档</translation>
    </message>
    <message>
        <source>Close the file of %1. The file is kept and can be reopened; it leaves the lists of children to visit.</source>
        <translation>为 %1 销档。档案仍会保留，可以恢复；销档后不再列入走访名单。</translation>
    </message>
    <message>
        <source>Reason *</source>
        <translation>销档原因 *</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Close &amp;file</source>
        <translation>确认销档(&amp;F)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Choose why the file is closed.</source>
        <translation>请选择销档原因。</translation>
    </message>
</context>
<context>
    <name>ConflictsView</name>
    <message>
        <source>The same item was changed in two places before either had seen the other&apos;s change. Nothing was lost: both values are kept here. Choose the right one; the village receives your decision with the next bundle. The shaded value is the one in use now.</source>
        <translation>同一项内容在两处被同时修改（双方都还没看到对方的修改）。没有丢失任何数据：两个值都保存在这里。请选择正确的值；村里会在下一个同步包中收到您的决定。底色标出的是当前采用的值。</translation>
    </message>
    <message>
        <source>Child</source>
        <translation>儿童</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Value A</source>
        <translation>值 A</translation>
    </message>
    <message>
        <source>Value B</source>
        <translation>值 B</translation>
    </message>
    <message>
        <source>Note kept with the decision (optional)</source>
        <translation>随决定保存的说明（可不填）</translation>
    </message>
    <message>
        <source>&amp;Note:</source>
        <translation>说明(&amp;N)：</translation>
    </message>
    <message>
        <source>Keep &amp;A</source>
        <translation>采用 A(&amp;A)</translation>
    </message>
    <message>
        <source>Keep &amp;B</source>
        <translation>采用 B(&amp;B)</translation>
    </message>
    <message>
        <source>Enter a &amp;value...</source>
        <translation>填写新值(&amp;V)…</translation>
    </message>
    <message>
        <source>Keep &amp;current</source>
        <translation>保持当前值(&amp;C)</translation>
    </message>
    <message>
        <source>[in use]</source>
        <translation>【当前采用】</translation>
    </message>
    <message>
        <source>No open conflicts.</source>
        <translation>没有待处理的冲突。</translation>
    </message>
    <message>
        <source>Enter a value</source>
        <translation>填写新值</translation>
    </message>
    <message>
        <source>New value of %1 for %2:</source>
        <translation>%2 的“%1”新值：</translation>
    </message>
    <message>
        <source>Choose a conflict in the table first.</source>
        <translation>请先在表格中选择一个冲突。</translation>
    </message>
    <message>
        <source>Decided: %1, %2. The village receives it with the next bundle.</source>
        <translation>已处理：%1，%2。村里会在下一个同步包中收到。</translation>
    </message>
</context>
<context>
    <name>DuplicatesPage</name>
    <message>
        <source>no ID number</source>
        <translation>无身份证号</translation>
    </message>
    <message>
        <source>village unknown</source>
        <translation>村不详</translation>
    </message>
</context>
<context>
    <name>EndStaffDialog</name>
    <message>
        <source>End the term of %1</source>
        <translation>%1 离任</translation>
    </message>
    <message>
        <source>&amp;Last day in office</source>
        <translation>离任日期(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Reason or note</source>
        <translation>原因或备注(&amp;R)</translation>
    </message>
    <message>
        <source>The record is kept; it leaves the list of people in office.</source>
        <translation>档案保留，只是不再列入在任人员。</translation>
    </message>
</context>
<context>
    <name>EntrustmentsPage</name>
    <message>
        <source>Record signatures...</source>
        <translation>登记签字...</translation>
    </message>
    <message>
        <source>Record the date, who signed and the scan of the selected printed confirmation</source>
        <translation>登记所选确认书的签订日期、签字人和签字扫描件</translation>
    </message>
    <message>
        <source>Printed, waiting for signatures (%1)</source>
        <translation>已打印、待签字（%1）</translation>
    </message>
    <message>
        <source>Child</source>
        <translation>儿童</translation>
    </message>
    <message>
        <source>From</source>
        <translation>起始日期</translation>
    </message>
    <message>
        <source>Entrusted guardian</source>
        <translation>受委托监护人</translation>
    </message>
    <message>
        <source>To</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Entrustments</source>
        <translation>委托监护</translation>
    </message>
    <message>
        <source>Left-behind children without a signed confirmation (%1)</source>
        <translation>未签订委托监护确认书的留守儿童（%1 人）</translation>
    </message>
    <message>
        <source>Confirmations expired or expiring (%1)</source>
        <translation>已过期或即将到期的确认书（%1 份）</translation>
    </message>
    <message>
        <source>Not signed</source>
        <translation>未签订</translation>
    </message>
    <message>
        <source>%1 without a signed confirmation, %2 expiring, %3 expired</source>
        <translation>未签确认书 %1 人，即将到期 %2 份，已过期 %3 份</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Carebook</source>
        <extracomment>Chinese UI fonts in order of preference (Windows, then Linux packages).</extracomment>
        <translation>儿童关爱台账</translation>
    </message>
    <message>
        <source>Something unexpected went wrong. Your data is safe. Please try again; if it happens again, send the log file to support.</source>
        <extracomment>Every message shown, newest last (for tests and the support log); at most 50 kept.</extracomment>
        <translation>程序出现意外错误，您的数据是安全的。请再试一次；如果仍然出错，请把日志文件发给技术支持。</translation>
    </message>
</context>
<context>
    <name>ExportPanel</name>
    <message>
        <source>Insert the USB stick, choose it below and press Export to the selected drive. Every change the township (or village) has not confirmed yet is written, encrypted, and read back to check it.</source>
        <translation>插入U盘，在下面选中它，然后点“导出到所选U盘”。对方尚未确认收到的所有变更都会加密写入，并读回校验。</translation>
    </message>
    <message>
        <source>&amp;Refresh drives</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>Choose &amp;folder...</source>
        <translation>选择文件夹(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Export to the selected drive</source>
        <translation>导出到所选U盘(&amp;E)</translation>
    </message>
    <message>
        <source>Folder: %1</source>
        <translation>文件夹：%1</translation>
    </message>
    <message>
        <source>No USB stick found. Insert one and press Refresh drives, or choose a folder.</source>
        <translation>没有找到U盘。请插入U盘后点“刷新”，或选择一个文件夹。</translation>
    </message>
    <message>
        <source>Choose the folder to export to</source>
        <translation>选择导出到的文件夹</translation>
    </message>
    <message>
        <source>Choose a USB stick or a folder first.</source>
        <translation>请先选择U盘或文件夹。</translation>
    </message>
    <message>
        <source>Writing... do not remove the USB stick.</source>
        <translation>正在写入……请不要拔出U盘。</translation>
    </message>
    <message>
        <source>Writing and checking the bundles...</source>
        <translation>正在写入并校验同步包……</translation>
    </message>
    <message>
        <source>Written and checked. You can remove the USB stick now.</source>
        <translation>已写入并校验无误，可以拔出U盘了。</translation>
    </message>
    <message>
        <source>Not exported: %1</source>
        <translation>未导出：%1</translation>
    </message>
</context>
<context>
    <name>FamilyTab</name>
    <message>
        <source>Father</source>
        <extracomment>Prefixes of the people on this tab, and their relation to the child (GB/T 4761). Relations an entrusted guardian can have (parents excluded: they entrust).</extracomment>
        <translation>父亲</translation>
    </message>
    <message>
        <source>Mother</source>
        <translation>母亲</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Works in</source>
        <translation>务工地</translation>
    </message>
    <message>
        <source>province / city</source>
        <translation>省／市</translation>
    </message>
    <message>
        <source>Away since</source>
        <translation>外出时间</translation>
    </message>
    <message>
        <source>Last contact with child</source>
        <translation>最近与儿童联系</translation>
    </message>
    <message>
        <source>Grandparents</source>
        <translation>祖辈</translation>
    </message>
    <message>
        <source>Paternal grandfather</source>
        <translation>祖父</translation>
    </message>
    <message>
        <source>Paternal grandmother</source>
        <translation>祖母</translation>
    </message>
    <message>
        <source>Maternal grandfather</source>
        <translation>外祖父</translation>
    </message>
    <message>
        <source>Maternal grandmother</source>
        <translation>外祖母</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Entrusted guardian</source>
        <translation>受委托监护人</translation>
    </message>
    <message>
        <source>Relation to child</source>
        <translation>与儿童关系</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>住址</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康状况</translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation>监护能力</translation>
    </message>
    <message>
        <source>Able to care for the child</source>
        <translation>具备监护能力</translation>
    </message>
    <message>
        <source>Actual guardianship</source>
        <translation>实际监护情况</translation>
    </message>
    <message>
        <source>Lives with</source>
        <translation>共同生活人</translation>
    </message>
    <message>
        <source>e.g. grandparents</source>
        <translation>如 祖父母</translation>
    </message>
    <message>
        <source>Guardianship</source>
        <translation>监护情况</translation>
    </message>
    <message>
        <source>Improper guardianship</source>
        <translation>监护不当情形</translation>
    </message>
    <message>
        <source>Family poverty</source>
        <translation>家庭经济</translation>
    </message>
    <message>
        <source>The family is poor</source>
        <translation>家庭经济困难</translation>
    </message>
    <message>
        <source>Income sources</source>
        <translation>家庭收入来源</translation>
    </message>
    <message>
        <source>Family and guardianship</source>
        <translation>家庭与监护</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <source>Set up Carebook</source>
        <translation>首次设置</translation>
    </message>
    <message>
        <source>&amp;Next &gt;</source>
        <translation>下一步(&amp;N) &gt;</translation>
    </message>
    <message>
        <source>&lt; &amp;Back</source>
        <translation>&lt; 上一步(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Finish</source>
        <translation>完成(&amp;F)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>Form</name>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>年-月-日</translation>
    </message>
    <message>
        <source>(not set)</source>
        <translation>（未填）</translation>
    </message>
</context>
<context>
    <name>FrequencyPage</name>
    <message>
        <source>Visit frequencies</source>
        <translation>走访频次</translation>
    </message>
    <message>
        <source>Days between visits; a child gets the shortest that applies.</source>
        <translation>两次走访间隔的天数；同时符合多项时取最短的间隔。</translation>
    </message>
</context>
<context>
    <name>HealthTab</name>
    <message>
        <source>Health</source>
        <translation>健康状况</translation>
    </message>
    <message>
        <source>Disability category</source>
        <translation>残疾类别</translation>
    </message>
    <message>
        <source>Disability grade</source>
        <translation>残疾等级</translation>
    </message>
    <message>
        <source>Disability certificate no.</source>
        <translation>残疾证号</translation>
    </message>
    <message>
        <source>Illness</source>
        <translation>所患疾病</translation>
    </message>
    <message>
        <source>Serious illness</source>
        <translation>重病</translation>
    </message>
    <message>
        <source>Seriously ill</source>
        <translation>患重病</translation>
    </message>
    <message>
        <source>Medical costs</source>
        <translation>医疗费用</translation>
    </message>
    <message>
        <source>High out-of-pocket medical costs</source>
        <translation>自付医疗费用负担重</translation>
    </message>
</context>
<context>
    <name>HistoryPrintDialog</name>
    <message>
        <source>Print the history</source>
        <translation>打印历史记录</translation>
    </message>
    <message>
        <source>History of changes of the file</source>
        <translation>档案变更记录</translation>
    </message>
    <message>
        <source>Preparing the history...</source>
        <translation>正在生成历史记录……</translation>
    </message>
</context>
<context>
    <name>IdentityTab</name>
    <message>
        <source>Identity</source>
        <translation>基本信息</translation>
    </message>
    <message>
        <source>Name *</source>
        <translation>姓名 *</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>18 characters; fills date of birth and sex</source>
        <translation>18位，自动填出生日期和性别</translation>
    </message>
    <message>
        <source>Sex *</source>
        <translation>性别 *</translation>
    </message>
    <message>
        <source>Date of birth *</source>
        <translation>出生日期 *</translation>
    </message>
    <message>
        <source>Ethnic group</source>
        <translation>民族</translation>
    </message>
    <message>
        <source>Categories</source>
        <translation>儿童类别</translation>
    </message>
    <message>
        <source>Household registration and address</source>
        <translation>户籍与住址</translation>
    </message>
    <message>
        <source>Household registration</source>
        <translation>户籍</translation>
    </message>
    <message>
        <source>Registered (has hukou)</source>
        <translation>有户籍</translation>
    </message>
    <message>
        <source>Registration type</source>
        <translation>户籍性质</translation>
    </message>
    <message>
        <source>Registered address</source>
        <translation>户籍地址</translation>
    </message>
    <message>
        <source>Current address</source>
        <translation>现住址</translation>
    </message>
    <message>
        <source>School dormitory</source>
        <translation>住校</translation>
    </message>
    <message>
        <source>Lives in a school dormitory</source>
        <translation>在学校住宿</translation>
    </message>
    <message>
        <source>Institution</source>
        <translation>福利机构</translation>
    </message>
    <message>
        <source>Lives in a welfare institution</source>
        <translation>在福利机构生活</translation>
    </message>
    <message>
        <source>Birth parents</source>
        <translation>生父母</translation>
    </message>
    <message>
        <source>Birth parents cannot be found</source>
        <translation>查找不到生父母</translation>
    </message>
    <message>
        <source>Care</source>
        <translation>关爱服务</translation>
    </message>
    <message>
        <source>Key child</source>
        <translation>重点儿童</translation>
    </message>
    <message>
        <source>Mark as key child (visited more often)</source>
        <translation>列为重点儿童（增加走访次数）</translation>
    </message>
    <message>
        <source>Risk colour</source>
        <translation>风险等级</translation>
    </message>
    <message>
        <source>Service plan</source>
        <translation>服务计划</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>ImportPanel</name>
    <message>
        <source>Drag the bundle files (.cbk) from the USB stick and drop them anywhere on this page, or choose them. A backup is taken before the bundles are applied; a bundle imported before changes nothing.</source>
        <translation>把U盘上的同步包文件（.cbk）拖到本页任意位置，或点按钮选择。导入前会先备份；以前导入过的同步包不会改动任何数据。</translation>
    </message>
    <message>
        <source>Choose &amp;files...</source>
        <translation>选择文件(&amp;F)…</translation>
    </message>
    <message>
        <source>Import from the &amp;USB stick</source>
        <translation>从U盘导入(&amp;U)</translation>
    </message>
    <message>
        <source>Choose bundle files</source>
        <translation>选择同步包文件</translation>
    </message>
    <message>
        <source>Carebook bundles (*.cbk)</source>
        <translation>同步包 (*.cbk)</translation>
    </message>
    <message>
        <source>No USB stick found. Insert it and try again, or choose the files.</source>
        <translation>没有找到U盘。请插入U盘后重试，或直接选择文件。</translation>
    </message>
    <message>
        <source>Importing...</source>
        <translation>正在导入……</translation>
    </message>
    <message>
        <source>Checking and importing the bundles...</source>
        <translation>正在校验并导入同步包……</translation>
    </message>
    <message>
        <source>Cancelled: nothing was imported.</source>
        <translation>已取消：没有导入任何数据。</translation>
    </message>
    <message>
        <source>%1 bundle(s) were refused and changed nothing; see the reason in each row.</source>
        <translation>有 %1 个同步包未导入，没有改动任何数据；原因见各行。</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>%1 bundle(s) are for other computers, not this one: skipped (this is not a mistake). Take them to the computers they are for.</source>
        <translation>有 %1 个同步包是发给别的电脑的，不是给本机的，已跳过（这不是出错）。请把它们带到对应的电脑上导入。</translation>
    </message>
</context>
<context>
    <name>LedgerPage</name>
    <message>
        <source>Import an existing ledger (optional)</source>
        <extracomment>Emitted after a check or an import with the result.</extracomment>
        <translation>导入已有台账（可跳过）</translation>
    </message>
    <message>
        <source>Choose the village&apos;s Excel or CSV ledger. Check the columns, then import: rows with mistakes are listed and left out. Skip this step if there is no ledger.</source>
        <translation>选择本村的 Excel 或 CSV 台账。先核对各列的对应关系，再导入：有错误的行会列出来，不会导入。没有台账可以跳过这一步。</translation>
    </message>
    <message>
        <source>&amp;Choose file...</source>
        <translation>选择文件(&amp;C)...</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Heading in the file</source>
        <translation>台账中的列名</translation>
    </message>
    <message>
        <source>Read as</source>
        <translation>对应项目</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Chec&amp;k</source>
        <translation>检查(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;Import good rows</source>
        <translation>导入无误的行(&amp;I)</translation>
    </message>
    <message>
        <source>Choose the ledger</source>
        <translation>选择台账文件</translation>
    </message>
    <message>
        <source>Ledgers (*.xlsx *.xlsm *.csv);;All files (*)</source>
        <translation>台账 (*.xlsx *.xlsm *.csv);;所有文件 (*)</translation>
    </message>
    <message>
        <source>(not read)</source>
        <translation>（不导入）</translation>
    </message>
    <message>
        <source>%1 rows of children found on sheet %2, heading in row %3.</source>
        <translation>在工作表“%2”中找到 %1 行儿童信息，表头在第 %3 行。</translation>
    </message>
    <message>
        <source>Importing the ledger...</source>
        <translation>正在导入台账...</translation>
    </message>
    <message>
        <source>Ready to import %1 children (%2 already registered); %3 rows have mistakes and will be left out.</source>
        <translation>可以导入 %1 名儿童（其中 %2 名已登记，将更新）；有 %3 行存在错误，不会导入。</translation>
    </message>
    <message>
        <source>Imported %1 children, updated %2; %3 rows with mistakes were left out: correct them in the file and import it again.</source>
        <translation>已导入 %1 名儿童，更新 %2 名；有 %3 行因错误未导入：请在台账中改正后再导入一次。</translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <source>Carebook is locked</source>
        <translation>程序已锁定</translation>
    </message>
    <message>
        <source>The app locked itself to keep the children&apos;s files private. Enter the PIN or password to go on where you left off.</source>
        <translation>为保护儿童档案的隐私，程序已自动锁定。请输入 PIN 或密码，解锁后可以接着刚才的工作。</translation>
    </message>
    <message>
        <source>PIN or password</source>
        <translation>PIN 或密码</translation>
    </message>
    <message>
        <source>&amp;Unlock</source>
        <translation>解锁(&amp;U)</translation>
    </message>
    <message>
        <source>Enter the PIN or password.</source>
        <translation>请输入 PIN 或密码。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Carebook - register of children</source>
        <translation>儿童关爱台账 - 儿童名册</translation>
    </message>
    <message>
        <source>%1 (Ctrl+%2)</source>
        <translation>%1（Ctrl+%2）</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New child...</source>
        <translation>新建儿童档案(&amp;N)...</translation>
    </message>
    <message>
        <source>&amp;Export register view to Excel...</source>
        <translation>导出当前名册到 Excel(&amp;E)...</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>查看(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Search the register</source>
        <translation>搜索名册(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Carebook</source>
        <translation>关于儿童关爱台账(&amp;A)</translation>
    </message>
    <message>
        <source>About Carebook</source>
        <translation>关于儿童关爱台账</translation>
    </message>
    <message>
        <source>Carebook %1
The register of left-behind children and children in difficulty.</source>
        <translation>儿童关爱台账 %1
农村留守儿童和困境儿童信息管理。</translation>
    </message>
    <message>
        <source>Village: %1</source>
        <translation>村（居）：%1</translation>
    </message>
    <message>
        <source>Organisation: %1</source>
        <translation>单位：%1</translation>
    </message>
    <message>
        <source>Last bundle: %1</source>
        <translation>最近交换：%1</translation>
    </message>
    <message>
        <source>none yet</source>
        <translation>尚无</translation>
    </message>
    <message>
        <source>Changes not yet sent: %1</source>
        <translation>未上报的修改：%1 条</translation>
    </message>
</context>
<context>
    <name>MergeDialog</name>
    <message>
        <source>Merge two files of one child</source>
        <translation>合并同一儿童的两份档案</translation>
    </message>
    <message>
        <source>&amp;Merge</source>
        <translation>合并(&amp;M)</translation>
    </message>
    <message>
        <source>Which file is kept?</source>
        <translation>保留哪一份档案？</translation>
    </message>
    <message>
        <source>This file was held back at import because its ID number is taken: it can only be merged into the other one.</source>
        <translation>这份档案在导入时因身份证号与已有档案重复而暂未入册，只能并入另一份档案。</translation>
    </message>
    <message>
        <source>The file of %1 is kept. The visits, assistance, entrustments, reports, referrals and attachments of %2 move into it, and its empty fields are filled from %2. The file of %2 is then closed as merged (never deleted). Both villages receive the change with their next bundle.</source>
        <translation>将保留%1的档案。%2的走访、帮扶、委托监护、强制报告、转介和附件记录并入保留的档案，保留档案中空白的项目用%2的内容补齐；随后%2的档案以“合并”销档（不删除）。两个村会在下一次同步时收到这一修改。</translation>
    </message>
    <message>
        <source>(%1 was held back at import because its ID number is taken.)</source>
        <translation>（%1的档案在导入时因身份证号重复而暂未入册。）</translation>
    </message>
</context>
<context>
    <name>OrganisationPage</name>
    <message>
        <source>Choose the enrolment file first.</source>
        <translation>请先选择登记文件。</translation>
    </message>
    <message>
        <source>This file replaces the village&apos;s old PC: skip the ledger import; on the Sync page, export a bundle for the township, then import the bundle it sends back: the village&apos;s files come back with it.</source>
        <translation>这是更换电脑用的登记文件：请跳过台账导入；在“同步”页导出同步包交给乡镇，再导入乡镇发回的同步包，全村的档案就会随之恢复。</translation>
    </message>
    <message>
        <source>Township fingerprint: %1 (compare with the supervisor by phone)</source>
        <translation>乡镇指纹：%1（请在电话里与督导员核对）</translation>
    </message>
    <message>
        <source>For %1 (%2), township %3 (%4); valid until %5 (UTC).</source>
        <translation>用于 %1（%2），所属乡镇 %3（%4）；有效期至 %5（UTC）。</translation>
    </message>
    <message>
        <source>Enrolment files (*.cbe)</source>
        <translation>登记文件 (*.cbe)</translation>
    </message>
    <message>
        <source>The township&apos;s enrolment file</source>
        <translation>乡镇的登记文件</translation>
    </message>
    <message>
        <source>Choose the enrolment file the township supervisor made for this village and type the code read out by phone; compare the township&apos;s fingerprint by phone too.</source>
        <translation>请选择乡镇督导员为本村制作的登记文件，并输入电话告知的登记码；同时请在电话里核对乡镇的指纹。</translation>
    </message>
    <message>
        <source>Enrolment code</source>
        <translation>登记码</translation>
    </message>
    <message>
        <source>Enrolment file</source>
        <translation>登记文件</translation>
    </message>
    <message>
        <source>&amp;Check the file</source>
        <translation>检查文件(&amp;C)</translation>
    </message>
    <message>
        <source>1234-5678-9012 (the supervisor reads it out by phone)</source>
        <translation>1234-5678-9012（督导员在电话里告知）</translation>
    </message>
    <message>
        <source>&amp;Browse...</source>
        <translation>浏览(&amp;B)...</translation>
    </message>
    <message>
        <source>enrol-&lt;village code&gt;.cbe on the USB stick</source>
        <translation>U盘上的 enrol-&lt;村代码&gt;.cbe</translation>
    </message>
    <message>
        <source>Your organisation</source>
        <translation>所在单位</translation>
    </message>
    <message>
        <source>&amp;Create</source>
        <translation>创建(&amp;C)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>单位名称</translation>
    </message>
    <message>
        <source>Division code</source>
        <translation>区划代码</translation>
    </message>
    <message>
        <source>Township / county name</source>
        <translation>上级乡镇（县）名称</translation>
    </message>
    <message>
        <source>Its division code</source>
        <translation>上级区划代码</translation>
    </message>
    <message>
        <source>The village committee and its 12-digit statistical division code; the township it belongs to (9 digits).</source>
        <translation>填写村（居）委会名称及12位统计用区划代码，以及所属乡镇（街道）的名称和9位代码。</translation>
    </message>
    <message>
        <source>The township (9-digit division code) and its county (6 digits).</source>
        <translation>填写乡镇（街道）名称及9位区划代码，以及所属县（区）的名称和6位代码。</translation>
    </message>
    <message>
        <source>12 digits</source>
        <translation>12位数字</translation>
    </message>
    <message>
        <source>9 digits</source>
        <translation>9位数字</translation>
    </message>
    <message>
        <source>6 digits</source>
        <translation>6位数字</translation>
    </message>
</context>
<context>
    <name>PrintDialog</name>
    <message>
        <source>Print forms</source>
        <translation>打印表格</translation>
    </message>
    <message>
        <source>Entrustment-guardianship confirmation (3 copies)</source>
        <extracomment>Form kinds (``carebook.documents.form_data.DocumentKind`` values) offered for one child.</extracomment>
        <translation>委托监护确认书（一式三份）</translation>
    </message>
    <message>
        <source>Home-visit record sheet (blank)</source>
        <translation>入户走访记录表（空白）</translation>
    </message>
    <message>
        <source>Child file cover and summary</source>
        <translation>儿童档案封面及信息表</translation>
    </message>
    <message>
        <source>Pre&amp;view</source>
        <translation>预览(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Print...</source>
        <translation>打印(&amp;P)...</translation>
    </message>
    <message>
        <source>&amp;Save as PDF...</source>
        <translation>另存为 PDF(&amp;S)...</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Form</source>
        <translation>表格</translation>
    </message>
    <message>
        <source>Preparing the form...</source>
        <translation>正在生成表格...</translation>
    </message>
    <message>
        <source>This child has no entrustment confirmation yet. Draft one now from the file (entrusted guardian, parents, one year from today)?</source>
        <translation>这个孩子还没有委托监护确认书。现在按档案起草一份吗？（受委托监护人、父母按档案填写，期限自今天起一年）</translation>
    </message>
    <message>
        <source>Draft a new confirmation from the file as it is now? The old one will be marked renewed.</source>
        <translation>按档案现在的内容起草一份新的确认书吗？旧的那份将标为“已续签”。</translation>
    </message>
    <message>
        <source>Entrustment confirmation</source>
        <translation>委托监护确认书</translation>
    </message>
    <message>
        <source>Save as PDF</source>
        <translation>另存为 PDF</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>已保存：%1</translation>
    </message>
    <message>
        <source>This computer has no PDF renderer for direct printing. The form opens in the PDF viewer: print it from there.</source>
        <translation>本机没有可直接打印 PDF 的组件。表格将在 PDF 阅读器中打开，请在阅读器中打印。</translation>
    </message>
</context>
<context>
    <name>RegisterPage</name>
    <message>
        <source>Search name, pinyin initials or ID number ending (Ctrl+F)</source>
        <extracomment>Column widths of a village&apos;s register (the categories and the status share the rest). Column widths of a township&apos;s register, with the village column, read whole at 1024x768 (sex, age, risk and the dates at least as wide as their texts and header in the current language). Emitted after the id list of a search or filter arrived (number of children).</extracomment>
        <translation>搜索姓名、拼音首字母或身份证号后几位（Ctrl+F）</translation>
    </message>
    <message>
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <source>All risk levels</source>
        <translation>全部风险等级</translation>
    </message>
    <message>
        <source>&amp;Key children</source>
        <translation>仅重点儿童(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;Overdue visits</source>
        <translation>仅走访逾期(&amp;O)</translation>
    </message>
    <message>
        <source>Include c&amp;losed files</source>
        <translation>含已销档(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;New child</source>
        <translation>新建儿童档案(&amp;N)</translation>
    </message>
    <message>
        <source>Register a new child (Ctrl+N)</source>
        <translation>登记新儿童（Ctrl+N）</translation>
    </message>
    <message>
        <source>E&amp;xport to Excel</source>
        <translation>导出 Excel(&amp;X)</translation>
    </message>
    <message>
        <source>Export the children shown to an .xlsx file (Ctrl+E)</source>
        <translation>把当前显示的儿童导出为 .xlsx 文件（Ctrl+E）</translation>
    </message>
    <message>
        <source>&amp;Batch print...</source>
        <translation>批量打印(&amp;B)...</translation>
    </message>
    <message>
        <source>Print a form for every child shown, one PDF each</source>
        <translation>为列表中的每名儿童打印一份表格（每人一个 PDF 文件）</translation>
    </message>
    <message>
        <source>Register of children</source>
        <translation>儿童名册</translation>
    </message>
    <message>
        <source>%1 children</source>
        <translation>共 %1 名儿童</translation>
    </message>
    <message>
        <source>There are no children in the current view to export.</source>
        <translation>当前列表中没有儿童，无法导出。</translation>
    </message>
    <message>
        <source>register.xlsx</source>
        <translation>儿童名册.xlsx</translation>
    </message>
    <message>
        <source>Export register</source>
        <translation>导出名册</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Exporting %1 children...</source>
        <translation>正在导出 %1 名儿童...</translation>
    </message>
    <message>
        <source>Exported %1 children to %2.</source>
        <translation>已导出 %1 名儿童到 %2。</translation>
    </message>
    <message>
        <source>There are no children in the current view to print.</source>
        <translation>当前列表中没有儿童，无法打印。</translation>
    </message>
    <message>
        <source>Batch print</source>
        <translation>批量打印</translation>
    </message>
    <message>
        <source>Form to print for %1 children:</source>
        <translation>为 %1 名儿童打印的表格：</translation>
    </message>
    <message>
        <source>Folder for the PDF files</source>
        <translation>PDF 文件保存位置</translation>
    </message>
    <message>
        <source>Printing %1 forms...</source>
        <translation>正在生成 %1 份表格...</translation>
    </message>
    <message>
        <source>Wrote %1 PDF files to %2.</source>
        <translation>已生成 %1 个 PDF 文件，保存在 %2。</translation>
    </message>
</context>
<context>
    <name>RegisterTable</name>
    <message>
        <source>Name</source>
        <extracomment>The village (村（居）) of the child: the last logical column, so the export&apos;s columns keep their places; a township&apos;s register page shows it beside the name, a village&apos;s hides it. Sort keys of the register&apos;s id query (``carebook.model.queries.children.SORT_KEYS``) per column (QA: sex, categories, guardian and status showed a sort arrow but sorted by name). Background colours of the four-colour risk rating (四色管理), light enough for black text.</extracomment>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>年龄</translation>
    </message>
    <message>
        <source>Categories</source>
        <translation>儿童类别</translation>
    </message>
    <message>
        <source>Risk</source>
        <translation>风险</translation>
    </message>
    <message>
        <source>Guardian</source>
        <translation>监护人</translation>
    </message>
    <message>
        <source>Last visit</source>
        <translation>最近走访</translation>
    </message>
    <message>
        <source>Next visit due</source>
        <translation>下次走访</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村（居）</translation>
    </message>
    <message>
        <source>Visit overdue</source>
        <extracomment>Emitted with (sort_key, ascending) when the view asks to sort; the owner re-queries ids. Emitted after a page of rows arrived (first row, last row).</extracomment>
        <translation>走访已逾期</translation>
    </message>
</context>
<context>
    <name>RelayPanel</name>
    <message>
        <source>Where there is a network connection, even a slow one, bundles can go through the township&apos;s relay instead of a USB stick. An interrupted transfer continues where it stopped next time.</source>
        <translation>有网络（哪怕很慢）时，可以通过乡镇的中转站传送同步包，不用U盘。传送中断后，下次会从断点继续。</translation>
    </message>
    <message>
        <source>Relay &amp;address:</source>
        <translation>中转站地址(&amp;A)：</translation>
    </message>
    <message>
        <source>&amp;Save address</source>
        <translation>保存地址(&amp;S)</translation>
    </message>
    <message>
        <source>Certificate &amp;file...</source>
        <translation>证书文件(&amp;F)…</translation>
    </message>
    <message>
        <source>The relay&apos;s certificate file (.pem) given by the township at enrolment; it makes sure nobody else can stand in for the relay.</source>
        <translation>乡镇在登记时提供的中转站证书文件（.pem），用来确保没有人能冒充中转站。</translation>
    </message>
    <message>
        <source>Choose the relay&apos;s certificate</source>
        <translation>选择中转站证书</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt)</source>
        <translation>证书 (*.pem *.crt)</translation>
    </message>
    <message>
        <source>&amp;Upload</source>
        <translation>上传(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Download</source>
        <translation>下载(&amp;D)</translation>
    </message>
    <message>
        <source>Enter and save the relay address first.</source>
        <translation>请先填写并保存中转站地址。</translation>
    </message>
    <message>
        <source>Relay address saved.</source>
        <translation>中转站地址已保存。</translation>
    </message>
    <message>
        <source>Uploading...</source>
        <translation>正在上传……</translation>
    </message>
    <message>
        <source>Uploading to the relay...</source>
        <translation>正在上传到中转站……</translation>
    </message>
    <message>
        <source>Downloading...</source>
        <translation>正在下载……</translation>
    </message>
    <message>
        <source>Downloading from the relay...</source>
        <translation>正在从中转站下载……</translation>
    </message>
    <message>
        <source>Upload finished.</source>
        <translation>上传完成。</translation>
    </message>
    <message>
        <source>Download finished.</source>
        <translation>下载完成。</translation>
    </message>
    <message>
        <source>Nothing is waiting at the relay for this PC.</source>
        <translation>中转站上没有等待本机的同步包。</translation>
    </message>
    <message>
        <source>Stopped. What was transferred is kept; try again later.</source>
        <translation>已停止。已传送的部分会保留，请稍后再试。</translation>
    </message>
</context>
<context>
    <name>ReportDialog</name>
    <message>
        <source>Mandatory report</source>
        <translation>强制报告</translation>
    </message>
    <message>
        <source>Confidential. Opening this report is recorded (who and when).</source>
        <translation>保密信息。查看这份报告会被记录（谁、什么时候）。</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>查看记录</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>A referral: its agency, date and status are in the list.</source>
        <translation>这是转介记录：转介机构、日期和状态见列表。</translation>
    </message>
</context>
<context>
    <name>ReportsPage</name>
    <message>
        <source>Child</source>
        <translation>儿童</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>To</source>
        <translation>接收单位</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>No open report or referral.</source>
        <translation>没有未办结的报告或转介。</translation>
    </message>
    <message>
        <source>Report to the police at once when a child is found injured in private parts, sexually assaulted, abandoned, missing or trafficked, or in other serious or imminent harm; a child under 16 living alone without a guardian must be reported too.</source>
        <translation>发现儿童隐私部位受伤、遭受或疑似遭受性侵害、被遗弃、失踪或被拐卖，或面临其他严重、紧急伤害时，应立即向公安机关报告；不满16周岁儿童无人监护独自生活的，也必须报告。</translation>
    </message>
    <message>
        <source>Reports and referrals</source>
        <translation>强制报告与转介</translation>
    </message>
    <message>
        <source>%1 open</source>
        <translation>未办结 %1 项</translation>
    </message>
</context>
<context>
    <name>ResultTable</name>
    <message>
        <source>Bundle</source>
        <translation>同步包</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
</context>
<context>
    <name>RolePage</name>
    <message>
        <source>Village, starting from the township&apos;s enrolment file (for syncing with the township, or a replaced PC)</source>
        <translation>村（居）委会，用乡镇发的登记文件开始（与乡镇同步，或更换电脑）</translation>
    </message>
    <message>
        <source>Welcome to Carebook</source>
        <translation>欢迎使用儿童关爱台账</translation>
    </message>
    <message>
        <source>A few questions to set up this computer. You can change the visit frequencies later in Settings.</source>
        <translation>回答几个问题完成本机设置。走访频次以后可以在“设置”中修改。</translation>
    </message>
    <message>
        <source>Village or residents&apos; committee (child director)</source>
        <translation>村（居）委会（儿童主任）</translation>
    </message>
    <message>
        <source>Township or street office (child supervisor)</source>
        <translation>乡镇（街道）（儿童督导员）</translation>
    </message>
    <message>
        <source>e.g. 李红</source>
        <translation>如 李红</translation>
    </message>
    <message>
        <source>This computer is used by:</source>
        <translation>这台电脑的使用者是：</translation>
    </message>
    <message>
        <source>Your name (recorded with your changes)</source>
        <translation>您的姓名（记录在修改记录中）</translation>
    </message>
</context>
<context>
    <name>RosterPrintDialog</name>
    <message>
        <source>Print the roster</source>
        <translation>打印花名册</translation>
    </message>
    <message>
        <source>Roster of the children in open files (A4 landscape)</source>
        <translation>在册儿童花名册（A4横向）</translation>
    </message>
    <message>
        <source>All villages</source>
        <translation>全部村（居）</translation>
    </message>
    <message>
        <source>Villa&amp;ge</source>
        <translation>村（居）(&amp;G)</translation>
    </message>
    <message>
        <source>Preparing the roster...</source>
        <translation>正在生成花名册…</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>已保存：%1</translation>
    </message>
</context>
<context>
    <name>SchoolingTab</name>
    <message>
        <source>Schooling</source>
        <translation>就学情况</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>就学阶段</translation>
    </message>
    <message>
        <source>School</source>
        <translation>学校名称</translation>
    </message>
    <message>
        <source>Grade / class</source>
        <translation>年级班级</translation>
    </message>
    <message>
        <source>e.g. grade 3, class 2</source>
        <translation>如 三年级二班</translation>
    </message>
</context>
<context>
    <name>SecretDialog</name>
    <message>
        <source>New passphrase (8 characters or more)</source>
        <translation>新密码（至少 8 个字符）</translation>
    </message>
    <message>
        <source>Repeat it</source>
        <translation>再输入一次</translation>
    </message>
    <message>
        <source>Passphrase or recovery key</source>
        <translation>密码或恢复密钥</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>The passphrase needs at least 8 characters.</source>
        <translation>密码至少需要 8 个字符。</translation>
    </message>
    <message>
        <source>The two entries differ. Type them again.</source>
        <translation>两次输入的不一样，请重新输入。</translation>
    </message>
    <message>
        <source>Enter the passphrase or the recovery key.</source>
        <translation>请输入密码或恢复密钥。</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Display language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <source>Organisation</source>
        <translation>所属单位</translation>
    </message>
    <message>
        <source>Visit frequency (days between visits)</source>
        <translation>走访频次（两次走访间隔天数）</translation>
    </message>
    <message>
        <source>Others</source>
        <translation>其他儿童</translation>
    </message>
    <message>
        <source>List as due this many days ahead</source>
        <translation>提前几天列入应访名单</translation>
    </message>
    <message>
        <source>Entrustment expiring warning (days)</source>
        <translation>委托监护确认书到期提醒（天）</translation>
    </message>
    <message>
        <source>&amp;Save settings</source>
        <translation>保存设置(&amp;S)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Unsaved settings</source>
        <translation>设置未保存</translation>
    </message>
    <message>
        <source>The visit settings have unsaved changes. Save them?</source>
        <translation>走访频次设置有修改还没有保存。要保存吗？</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
</context>
<context>
    <name>SignEntrustmentDialog</name>
    <message>
        <source>Record signatures</source>
        <translation>登记签字</translation>
    </message>
    <message>
        <source>Confirmation %1 of %2: enter the date it was signed and who signed, and attach the scan of the signed paper.</source>
        <translation>%2 的委托监护确认书 %1：请填写签订日期和签字人，并附上签字后的扫描件。</translation>
    </message>
    <message>
        <source>Date signed *</source>
        <translation>签订日期 *</translation>
    </message>
    <message>
        <source>Signed by *</source>
        <translation>签字人 *</translation>
    </message>
    <message>
        <source>names, separated by 、 or commas</source>
        <translation>姓名，用“、”或逗号分开</translation>
    </message>
    <message>
        <source>no scan attached</source>
        <translation>未附扫描件</translation>
    </message>
    <message>
        <source>Choose scan...</source>
        <translation>选择扫描件...</translation>
    </message>
    <message>
        <source>Scan (PDF, JPG, PNG)</source>
        <translation>扫描件（PDF、JPG、PNG）</translation>
    </message>
    <message>
        <source>The scan is stored encrypted on this PC and travels to the township in the next data package.</source>
        <translation>扫描件在本机加密保存，并随下一个数据包发送到乡镇。</translation>
    </message>
    <message>
        <source>Record &amp;signatures</source>
        <translation>登记签字(&amp;S)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Choose the scan of the signed confirmation</source>
        <translation>选择签字确认书的扫描件</translation>
    </message>
    <message>
        <source>Scans (*.pdf *.jpg *.jpeg *.png)</source>
        <translation>扫描件 (*.pdf *.jpg *.jpeg *.png)</translation>
    </message>
    <message>
        <source>Enter the date it was signed.</source>
        <translation>请填写签订日期。</translation>
    </message>
    <message>
        <source>Enter who signed.</source>
        <translation>请填写签字人。</translation>
    </message>
</context>
<context>
    <name>StaffDialog</name>
    <message>
        <source>Edit %1</source>
        <translation>修改 %1</translation>
    </message>
    <message>
        <source>Add a person</source>
        <translation>新增工作人员</translation>
    </message>
    <message>
        <source>e.g. Han</source>
        <translation>如 汉族</translation>
    </message>
    <message>
        <source>YYYY-MM-DD (from the ID number if empty)</source>
        <translation>YYYY-MM-DD（不填则按身份证号）</translation>
    </message>
    <message>
        <source>Government-purchased service</source>
        <translation>政府购买服务</translation>
    </message>
    <message>
        <source>division codes, comma-separated</source>
        <translation>区划代码，用逗号分隔</translation>
    </message>
    <message>
        <source>Replaces the village&apos;s director in office (their term ends the day before)</source>
        <translation>接替该村现任儿童主任（其任期到前一天结束）</translation>
    </message>
    <message>
        <source>&amp;Role</source>
        <translation>岗位(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Name</source>
        <translation>姓名(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Sex</source>
        <translation>性别(&amp;S)</translation>
    </message>
    <message>
        <source>Ethnic &amp;group</source>
        <translation>民族(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;ID number</source>
        <translation>身份证号(&amp;I)</translation>
    </message>
    <message>
        <source>Date of &amp;birth</source>
        <translation>出生日期(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Political status</source>
        <translation>政治面貌(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Education</source>
        <translation>学历(&amp;E)</translation>
    </message>
    <message>
        <source>P&amp;hone</source>
        <translation>联系电话(&amp;H)</translation>
    </message>
    <message>
        <source>Emp&amp;loyer</source>
        <translation>工作单位(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Full- or part-time</source>
        <translation>专兼职(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Village or township served</source>
        <translation>所在村（居）或乡镇(&amp;V)</translation>
    </message>
    <message>
        <source>Further villages &amp;covered</source>
        <translation>另覆盖村（居）(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Appointed on</source>
        <translation>任职日期(&amp;A)</translation>
    </message>
    <message>
        <source>N&amp;otes</source>
        <translation>备注(&amp;O)</translation>
    </message>
</context>
<context>
    <name>StartChecks</name>
    <message>
        <source>The key of the register did not come from this computer&apos;s keyring (access was refused, or the entry is gone).
Enter the register&apos;s passphrase (or the recovery key):</source>
        <translation>没能从本机的系统钥匙串取得名册密钥（访问被拒绝，或密钥已被删除）。
请输入名册密码（或恢复密钥）：</translation>
    </message>
    <message>
        <source>The key of the register is not in this computer&apos;s keyring.
Enter the register&apos;s passphrase (or the recovery key):</source>
        <translation>本机的系统钥匙串中没有名册密钥。
请输入名册密码（或恢复密钥）：</translation>
    </message>
    <message>
        <source>Carebook</source>
        <translation>儿童关爱台账</translation>
    </message>
    <message>
        <source>This computer&apos;s keyring cannot keep the register&apos;s key (there is none, or access was refused). Choose a passphrase for the register; it will be asked each time Carebook starts.</source>
        <translation>本机的系统钥匙串不能保存名册密钥（没有钥匙串，或访问被拒绝）。请为名册设置一个密码，以后每次启动程序时都要输入。</translation>
    </message>
    <message>
        <source>The register&apos;s database file is damaged and cannot be used (a disk fault or a power cut, perhaps).</source>
        <translation>名册的数据库文件已损坏，不能再使用（可能是硬盘故障或突然断电）。</translation>
    </message>
    <message>
        <source>The damaged file was moved to %1 and kept; nothing was deleted.</source>
        <translation>损坏的文件已移到 %1 保存，没有删除任何东西。</translation>
    </message>
    <message>
        <source>The newest good backup is from %1. Restore it? Work done after it must be entered again.</source>
        <translation>最新的可用备份是 %1 的。要恢复这个备份吗？这之后录入的内容需要重新录入。</translation>
    </message>
    <message>
        <source>There is no good backup in the data folder. Choose a backup file (from a USB stick), or ask the township supervisor for help.</source>
        <translation>数据文件夹里没有可用的备份。请选择备份文件（例如U盘上的），或请乡镇儿童督导员帮忙。</translation>
    </message>
    <message>
        <source>Restore the newest backup</source>
        <translation>恢复最新的备份</translation>
    </message>
    <message>
        <source>Choose a backup file...</source>
        <translation>选择备份文件...</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Choose a backup</source>
        <translation>选择备份文件</translation>
    </message>
    <message>
        <source>Carebook backups (*.db)</source>
        <translation>Carebook 备份 (*.db)</translation>
    </message>
    <message>
        <source>Enter the passphrase of the backup (or the recovery key):</source>
        <translation>请输入这个备份的密码（或恢复密钥）：</translation>
    </message>
    <message>
        <source>This PC has no working keyring, so the restored register needs a new passphrase.</source>
        <translation>这台电脑没有可用的系统钥匙串，恢复后的名册需要设置一个新密码。</translation>
    </message>
    <message>
        <source>The backup is restored. Carebook opens it now.</source>
        <translation>备份已恢复，程序现在打开它。</translation>
    </message>
    <message>
        <source>Carebook was opened with the recovery key. The key will be kept in this computer&apos;s keyring again, so the sheet is not needed each day. You may also set a new passphrase (leave empty for none).</source>
        <translation>这次是用恢复密钥打开的。名册密钥会重新保存到本机的系统钥匙串，以后不用每天拿出恢复单。也可以另设一个新密码（不设就留空）。</translation>
    </message>
    <message>
        <source>Carebook was opened with the recovery key. Choose a new passphrase for everyday use; keep the recovery sheet locked away.</source>
        <translation>这次是用恢复密钥打开的。请设置一个日常使用的新密码；恢复单请继续锁好保管。</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>设置新密码</translation>
    </message>
    <message>
        <source>The keyring did not give the key (%1); the register was opened with the passphrase.</source>
        <translation>系统钥匙串没有给出密钥（%1），这次用密码打开了名册。</translation>
    </message>
    <message>
        <source>Opened with the recovery key; no new passphrase was set. The recovery key will be needed again next time.</source>
        <translation>已用恢复密钥打开，但没有设置新密码。下次启动还需要恢复密钥。</translation>
    </message>
    <message>
        <source>The register&apos;s key is kept for everyday use again.</source>
        <translation>名册密钥已重新保存，日常使用不再需要恢复单。</translation>
    </message>
    <message>
        <source>Today&apos;s backup is written: %1</source>
        <translation>今天的备份已完成：%1</translation>
    </message>
    <message>
        <source> (copied to the USB stick)</source>
        <translation>（已复制到U盘）</translation>
    </message>
    <message>
        <source>Today&apos;s backup failed: %1</source>
        <translation>今天的备份没有完成：%1</translation>
    </message>
    <message>
        <source>The check at start found the register&apos;s database file damaged:
%1

Carebook can move the damaged file aside (it is kept) and restore the newest good backup. Do it now?</source>
        <translation>启动检查发现名册的数据库文件已损坏：
%1

程序可以把损坏的文件移到一边保存，并恢复最新的可用备份。现在就做吗？</translation>
    </message>
    <message>
        <source>The database file passed the check; nothing was changed.</source>
        <translation>数据库文件通过了检查，没有做任何改动。</translation>
    </message>
    <message>
        <source>The damaged file was moved to %1 and the backup %2 restored.</source>
        <translation>损坏的文件已移到 %1，并已恢复备份 %2。</translation>
    </message>
</context>
<context>
    <name>StatusPanel</name>
    <message>
        <source>Exchanges with</source>
        <translation>同步对象</translation>
    </message>
    <message>
        <source>Not yet received</source>
        <translation>对方尚未收到</translation>
    </message>
    <message>
        <source>Last sent</source>
        <translation>上次发出</translation>
    </message>
    <message>
        <source>Last received</source>
        <translation>上次收到</translation>
    </message>
    <message>
        <source>Changes made here not yet received by the township: %1</source>
        <translation>本机的变更中乡镇尚未收到的：%1 条</translation>
    </message>
    <message>
        <source>Changes made here not yet received by the villages: %1</source>
        <translation>本机的变更中村里尚未收到的：%1 条</translation>
    </message>
    <message>
        <source>Open conflicts to decide: %1</source>
        <translation>待处理的冲突：%1 个</translation>
    </message>
    <message>
        <source>Records waiting for changes not received yet: %1</source>
        <translation>等待尚未收到的变更的记录：%1 条</translation>
    </message>
    <message>
        <source>Not enrolled yet: a village starts from the enrolment file made by the township.</source>
        <translation>尚未登记：村里需用乡镇制作的登记文件初始化。</translation>
    </message>
    <message>
        <source>No village enrolled yet: make an enrolment file for each village on the Enrolment page.</source>
        <translation>还没有村入网：请在“入网管理”页为每个村制作登记文件。</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>Export to USB stick</source>
        <translation>导出到U盘</translation>
    </message>
    <message>
        <source>Import bundles</source>
        <translation>导入同步包</translation>
    </message>
    <message>
        <source>Conflicts</source>
        <translation>冲突处理</translation>
    </message>
    <message>
        <source>Relay (network)</source>
        <translation>中转站（网络）</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>Conflicts (%1)</source>
        <translation>冲突处理（%1）</translation>
    </message>
</context>
<context>
    <name>Task</name>
    <message>
        <source>Please wait</source>
        <translation>请稍候</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>TownshipAllowancesPage</name>
    <message>
        <source>&amp;From month</source>
        <translation>起始月份(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;To month</source>
        <translation>截止月份(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Compute</source>
        <translation>计算(&amp;C)</translation>
    </message>
    <message>
        <source>E&amp;xport to Excel...</source>
        <translation>导出Excel(&amp;X)…</translation>
    </message>
    <message>
        <source>Allowance &amp;settings...</source>
        <translation>补贴标准设置(&amp;S)...</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>岗位</translation>
    </message>
    <message>
        <source>Village or township</source>
        <translation>所在村（居）或乡镇</translation>
    </message>
    <message>
        <source>Months</source>
        <translation>月数</translation>
    </message>
    <message>
        <source>Yuan a month</source>
        <translation>月补贴标准（元）</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额（元）</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月份</translation>
    </message>
    <message>
        <source>People</source>
        <translation>人数</translation>
    </message>
    <message>
        <source>Per &amp;person</source>
        <translation>按人员(&amp;P)</translation>
    </message>
    <message>
        <source>Per &amp;month</source>
        <translation>按月份(&amp;M)</translation>
    </message>
    <message>
        <source>Allowances</source>
        <translation>补贴</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>%1 to %2: %3 people, %4 yuan in total (%5).</source>
        <translation>%1 至 %2：共 %3 人，合计 %4 元（%5）。</translation>
    </message>
    <message>
        <source>Left out, no appointment date: %1</source>
        <translation>未计算（缺任职日期）：%1</translation>
    </message>
    <message>
        <source>Export the allowance ledger</source>
        <translation>导出补贴台账</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Writing the allowance ledger...</source>
        <translation>正在生成补贴台账…</translation>
    </message>
    <message>
        <source>Saved the allowance ledger to %1.</source>
        <translation>补贴台账已保存到 %1。</translation>
    </message>
</context>
<context>
    <name>TownshipDialog</name>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>TownshipDuplicatesPage</name>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>Files that may belong to one child: the same ID number in two villages, or close names with the same date of birth. A child closed as moved away to the other file&apos;s village has moved: transfer the file instead of merging. Pairs marked as two children are not shown again.</source>
        <translation>可能属于同一儿童的档案：两个村登记了相同的身份证号，或出生日期相同、姓名相近。如果一份档案已因迁出销档、迁往另一份档案所在的村，说明儿童已搬迁：请用“转移”而不是“合并”。标记为“不是同一人”的两份档案不再列出。</translation>
    </message>
    <message>
        <source>No possible duplicates to review.</source>
        <translation>没有需要核查的疑似重复档案。</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>File A</source>
        <translation>档案甲</translation>
    </message>
    <message>
        <source>Village A</source>
        <translation>甲所在村</translation>
    </message>
    <message>
        <source>File B</source>
        <translation>档案乙</translation>
    </message>
    <message>
        <source>Village B</source>
        <translation>乙所在村</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>&amp;Merge...</source>
        <translation>合并(&amp;M)...</translation>
    </message>
    <message>
        <source>&amp;Transfer...</source>
        <translation>转移(&amp;T)...</translation>
    </message>
    <message>
        <source>&amp;Not the same child</source>
        <translation>不是同一人(&amp;N)</translation>
    </message>
    <message>
        <source>The selected pair side by side</source>
        <translation>所选两份档案对照</translation>
    </message>
    <message>
        <source>Duplicates</source>
        <translation>重复档案</translation>
    </message>
    <message>
        <source>Same ID number</source>
        <translation>身份证号相同</translation>
    </message>
    <message>
        <source>Similar name, same date of birth</source>
        <translation>姓名相近、出生日期相同</translation>
    </message>
    <message>
        <source>Moved (transfer)</source>
        <translation>迁出（转移）</translation>
    </message>
    <message>
        <source>same ID number</source>
        <translation>身份证号相同</translation>
    </message>
    <message>
        <source>the same name</source>
        <translation>姓名相同</translation>
    </message>
    <message>
        <source>names sound the same</source>
        <translation>姓名同音</translation>
    </message>
    <message>
        <source>names differ by one character</source>
        <translation>姓名只差一个字</translation>
    </message>
    <message>
        <source>Held back at import (ID number taken)</source>
        <translation>导入时暂未入册（身份证号重复）</translation>
    </message>
    <message>
        <source>Closed: %1</source>
        <translation>已销档：%1</translation>
    </message>
    <message>
        <source> (to %1)</source>
        <translation>（迁往%1）</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>在册</translation>
    </message>
    <message>
        <source>%1 pairs to review</source>
        <translation>待核查 %1 对</translation>
    </message>
    <message>
        <source>A closed file cannot be merged; if the child moved, use Transfer.</source>
        <translation>已销档的档案不能合并；如儿童已搬迁，请用“转移”。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村（居）</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Last change</source>
        <translation>最后修改</translation>
    </message>
    <message>
        <source>Why listed: %1.</source>
        <translation>列出原因：%1。</translation>
    </message>
    <message>
        <source>One file was closed as moved away to the other&apos;s village: transfer it.</source>
        <translation>其中一份档案已因迁往另一份档案所在的村而销档：请转移。</translation>
    </message>
    <message>
        <source>Merged: %1 kept.</source>
        <translation>已合并，保留 %1。</translation>
    </message>
    <message>
        <source>Transferred.</source>
        <translation>已转移。</translation>
    </message>
    <message>
        <source>Not the same child</source>
        <translation>不是同一人</translation>
    </message>
    <message>
        <source>%1 and %2 are two different children? The pair will not be listed again.</source>
        <translation>%1 和 %2 是两个不同的儿童吗？确认后这两份档案不再列出。</translation>
    </message>
    <message>
        <source>&amp;Two children</source>
        <translation>是两个儿童(&amp;T)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Kept as two children: %1 and %2.</source>
        <translation>已确认 %1 和 %2 是两个儿童。</translation>
    </message>
</context>
<context>
    <name>TownshipEnrolmentPage</name>
    <message>
        <source>&amp;Re-enrol a replaced PC...</source>
        <translation>更换电脑重新登记(&amp;R)...</translation>
    </message>
    <message>
        <source>The village&apos;s PC was lost, stolen or broken and there is no usable backup: retire the old PC and make an enrolment file for the new one; its register comes back from this township.</source>
        <translation>村里的电脑丢失、被盗或损坏且没有可用的备份时使用：停用旧电脑，为新电脑制作登记文件；新电脑的档案由本乡镇送回。</translation>
    </message>
    <message>
        <source>Valid until</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <source>Re-enrol a replaced PC</source>
        <translation>更换电脑重新登记</translation>
    </message>
    <message>
        <source>Re-enrol %1 (%2) on a new PC?

The old PC of this village is retired at once: nothing it sends is accepted any more (use this when it was lost, stolen or broken). The new PC starts from the file made now and gets the village&apos;s files back from this township.</source>
        <translation>为 %1（%2）更换电脑重新登记？

该村的旧电脑将立即停用，它以后发来的数据一律不再接收（用于旧电脑丢失、被盗或损坏时）。新电脑用现在制作的登记文件完成设置，并从本乡镇取回全村的档案。</translation>
    </message>
    <message>
        <source>&amp;Re-enrol</source>
        <translation>重新登记(&amp;R)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Enrolment file for the new PC of %1 (%2): %3</source>
        <translation>已为 %1（%2）的新电脑制作登记文件：%3</translation>
    </message>
    <message>
        <source>The old PC is retired: any bundle it sends from now on is refused.</source>
        <translation>旧电脑已停用：它以后发来的同步包一律拒收。</translation>
    </message>
    <message>
        <source>Next: 1. the new PC starts from this file (first-run wizard) and exports its first bundle; 2. import that bundle here; 3. export bundles here (sync page) and take the village&apos;s one back: importing it gives the new PC the village&apos;s files, with their history.</source>
        <translation>下一步：1. 新电脑用这个文件完成首次设置，并导出第一个同步包；2. 在本机导入该同步包；3. 在本机（同步页）导出同步包，把发给该村的那个带回村里：新电脑导入后即恢复全村的档案及修改记录。</translation>
    </message>
    <message>
        <source>Could not re-enrol the village: %1</source>
        <translation>未能重新登记：%1</translation>
    </message>
    <message>
        <source>Make an enrolment file for a village</source>
        <extracomment>The fingerprint column of the table of enrolled villages: always shown whole (it is read out by phone), the other columns share the rest of the width. The columns of the two tables sized to their text (codes, fingerprint, times): read whole at 1024x768; the names and states share the rest.</extracomment>
        <translation>为村制作登记文件</translation>
    </message>
    <message>
        <source>12-digit division code</source>
        <translation>12位区划代码</translation>
    </message>
    <message>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <source>Seal the file with a code read out by phone (recommended)</source>
        <translation>用登记码加封文件，电话告知登记码（建议）</translation>
    </message>
    <message>
        <source>Choose the USB stick or folder and &amp;make the file...</source>
        <translation>选择U盘或文件夹并制作登记文件(&amp;M)…</translation>
    </message>
    <message>
        <source>Village &amp;code</source>
        <translation>村代码(&amp;C)</translation>
    </message>
    <message>
        <source>Village &amp;name</source>
        <translation>村名(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Valid for</source>
        <translation>有效期(&amp;V)</translation>
    </message>
    <message>
        <source>Village name</source>
        <translation>村名</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>指纹</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村（居）</translation>
    </message>
    <message>
        <source>Used</source>
        <translation>使用情况</translation>
    </message>
    <message>
        <source>Villages enrolled here (compare the fingerprint by phone)</source>
        <translation>已登记的村（请电话核对指纹）</translation>
    </message>
    <message>
        <source>Enrolment files issued</source>
        <translation>已制作的登记文件</translation>
    </message>
    <message>
        <source>Enrolment</source>
        <translation>入网管理</translation>
    </message>
    <message>
        <source>This township&apos;s fingerprint: %1</source>
        <translation>本乡镇指纹：%1</translation>
    </message>
    <message>
        <source>(no sync keys yet: they are made with the first enrolment file)</source>
        <translation>（尚无同步密钥：制作第一份登记文件时生成）</translation>
    </message>
    <message>
        <source>active</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>retired (replaced PC)</source>
        <translation>已停用（已换电脑）</translation>
    </message>
    <message>
        <source>not yet</source>
        <translation>未使用</translation>
    </message>
    <message>
        <source>Where to write the enrolment file (USB stick)</source>
        <translation>登记文件保存位置（U盘）</translation>
    </message>
    <message>
        <source>Valid until %1. Delete the file from the stick once the village has used it.</source>
        <translation>有效期至 %1。村里使用后请立即从U盘删除该文件。</translation>
    </message>
    <message>
        <source>Enrolment file for %1 (%2): %3</source>
        <translation>已为 %1（%2）制作登记文件：%3</translation>
    </message>
    <message>
        <source>Enrolment code: %1 (tell the child director by phone; never write it on the stick)</source>
        <translation>登记码：%1（请打电话告诉儿童主任，不要写在U盘上）</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>登记时间</translation>
    </message>
    <message>
        <source>Township fingerprint: %1 (compare with the child director by phone)</source>
        <translation>本乡镇指纹：%1（请儿童主任在电话里核对）</translation>
    </message>
</context>
<context>
    <name>TownshipOverviewPage</name>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>Export township &amp;ledger (Excel)...</source>
        <translation>导出乡镇台账（Excel）(&amp;L)...</translation>
    </message>
    <message>
        <source>&amp;Print roster...</source>
        <translation>打印花名册(&amp;P)...</translation>
    </message>
    <message>
        <source>Village</source>
        <translation>村（居）</translation>
    </message>
    <message>
        <source>Children</source>
        <translation>在册儿童</translation>
    </message>
    <message>
        <source>Visits this month</source>
        <translation>本月走访</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>逾期未访</translation>
    </message>
    <message>
        <source>Open reports</source>
        <translation>未结强制报告</translation>
    </message>
    <message>
        <source>Open referrals</source>
        <translation>未结转介</translation>
    </message>
    <message>
        <source>Entrustment missing</source>
        <translation>委托监护缺失</translation>
    </message>
    <message>
        <source>Expiring</source>
        <translation>即将到期</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>Children, visits this month and overdue visits by village</source>
        <translation>各村在册儿童、本月走访与逾期未访</translation>
    </message>
    <message>
        <source>Children by category (all villages)</source>
        <translation>各类别儿童人数（全乡镇）</translation>
    </message>
    <message>
        <source>Children by age band (all villages)</source>
        <translation>各年龄段儿童人数（全乡镇）</translation>
    </message>
    <message>
        <source>Children by sex (all villages)</source>
        <translation>儿童性别（全乡镇）</translation>
    </message>
    <message>
        <source>Category x age band x sex for:</source>
        <translation>类别×年龄段×性别交叉表：</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Last bundle received</source>
        <translation>最近收到同步包</translation>
    </message>
    <message>
        <source>Gaps</source>
        <translation>缺口</translation>
    </message>
    <message>
        <source>Pending conflicts</source>
        <translation>待处理冲突</translation>
    </message>
    <message>
        <source>Gaps: parts of a village&apos;s change log not received yet (ask for its missing bundles). Conflicts are decided on the Sync page.</source>
        <translation>缺口：该村的变更记录有部分尚未收到（请让该村补发同步包）。冲突在“同步”页处理。</translation>
    </message>
    <message>
        <source>Child director</source>
        <translation>儿童主任</translation>
    </message>
    <message>
        <source>Villages</source>
        <translation>负责村（居）</translation>
    </message>
    <message>
        <source>Visits done and overdue this month by child director</source>
        <translation>各儿童主任本月走访与逾期</translation>
    </message>
    <message>
        <source>No child director in office this month: add them on the Staff page.</source>
        <translation>本月没有在任的儿童主任：请在“工作人员”页登记。</translation>
    </message>
    <message>
        <source>&amp;Villages</source>
        <translation>各村概况(&amp;V)</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>图表</translation>
    </message>
    <message>
        <source>C&amp;hildren</source>
        <translation>儿童构成(&amp;H)</translation>
    </message>
    <message>
        <source>S&amp;ync</source>
        <translation>同步情况(&amp;Y)</translation>
    </message>
    <message>
        <source>&amp;Directors</source>
        <translation>儿童主任考核(&amp;D)</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>总览</translation>
    </message>
    <message>
        <source>township-ledger-%1.xlsx</source>
        <translation>乡镇台账-%1.xlsx</translation>
    </message>
    <message>
        <source>Export the township ledger</source>
        <translation>导出乡镇台账</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Writing the township ledger...</source>
        <translation>正在生成乡镇台账…</translation>
    </message>
    <message>
        <source>Saved the township ledger (%1 children, %2 of them in closed files) to %3.</source>
        <translation>乡镇台账已保存到 %3（共 %1 名儿童，其中已销档 %2 名）。</translation>
    </message>
    <message>
        <source>as of %1 (visits: month %2)</source>
        <translation>数据日期 %1（走访统计月份 %2）</translation>
    </message>
    <message>
        <source>%1 villages, %2 children in open files; %3 visits this month, %4 overdue; %5 open reports, %6 open referrals; entrustments: %7 missing, %8 expiring, %9 expired.</source>
        <translation>共 %1 个村，在册儿童 %2 名；本月走访 %3 次，逾期未访 %4 名；未结强制报告 %5 件，未结转介 %6 件；委托监护：缺失 %7，即将到期 %8，已过期 %9。</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>All villages</source>
        <translation>全部村</translation>
    </message>
    <message>
        <source>nothing received yet</source>
        <translation>尚未收到</translation>
    </message>
    <message>
        <source>not enrolled here</source>
        <translation>未在本机登记</translation>
    </message>
    <message>
        <source>No category</source>
        <translation>未分类</translation>
    </message>
</context>
<context>
    <name>TownshipStaffPage</name>
    <message>
        <source>Show people whose &amp;term has ended</source>
        <translation>显示已离任人员(&amp;T)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>岗位</translation>
    </message>
    <message>
        <source>Village or township</source>
        <translation>所在村（居）或乡镇</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Appointed</source>
        <translation>任职日期</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>离任日期</translation>
    </message>
    <message>
        <source>Last training</source>
        <translation>最近培训</translation>
    </message>
    <message>
        <source>Trainings this year</source>
        <translation>今年培训次数</translation>
    </message>
    <message>
        <source>&amp;Add...</source>
        <translation>新增(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Edit...</source>
        <translation>修改(&amp;E)…</translation>
    </message>
    <message>
        <source>E&amp;nd term...</source>
        <translation>离任(&amp;N)…</translation>
    </message>
    <message>
        <source>Record &amp;training...</source>
        <translation>记录培训(&amp;T)…</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Topic</source>
        <translation>培训内容</translation>
    </message>
    <message>
        <source>Organiser</source>
        <translation>组织单位</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>学时</translation>
    </message>
    <message>
        <source>Child director</source>
        <translation>儿童主任</translation>
    </message>
    <message>
        <source>Villages</source>
        <translation>负责村（居）</translation>
    </message>
    <message>
        <source>Children</source>
        <translation>在册儿童</translation>
    </message>
    <message>
        <source>Visits this month</source>
        <translation>本月走访</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>逾期未访</translation>
    </message>
    <message>
        <source>Open reports</source>
        <translation>未结强制报告</translation>
    </message>
    <message>
        <source>Open referrals</source>
        <translation>未结转介</translation>
    </message>
    <message>
        <source>Ros&amp;ter</source>
        <translation>花名册(&amp;T)</translation>
    </message>
    <message>
        <source>Trainin&amp;gs</source>
        <translation>培训记录(&amp;G)</translation>
    </message>
    <message>
        <source>A&amp;ssessment</source>
        <translation>考核(&amp;S)</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>工作人员</translation>
    </message>
    <message>
        <source>Month %1: visits done by each child director, files overdue in their villages, open reports and referrals.</source>
        <translation>%1 月：各儿童主任本月走访次数、所负责村逾期未访人数、未结强制报告和转介。</translation>
    </message>
    <message>
        <source>No training this year yet (at least one a year is required): %1</source>
        <translation>今年尚未参加培训（每年至少一次）：%1</translation>
    </message>
</context>
<context>
    <name>TrainingDialog</name>
    <message>
        <source>Training of %1</source>
        <translation>%1 的培训记录</translation>
    </message>
    <message>
        <source>not recorded</source>
        <translation>未记录</translation>
    </message>
    <message>
        <source>&amp;Date held</source>
        <translation>培训日期(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Topic</source>
        <translation>培训内容(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Organiser</source>
        <translation>组织单位(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Hours</source>
        <translation>学时(&amp;H)</translation>
    </message>
</context>
<context>
    <name>TransferDialog</name>
    <message>
        <source>Transfer a child to another village</source>
        <translation>把儿童转到别的村</translation>
    </message>
    <message>
        <source>&amp;Transfer</source>
        <translation>转移(&amp;T)</translation>
    </message>
    <message>
        <source>This file was held back at import because its ID number is taken.</source>
        <translation>这份档案在导入时因身份证号重复而暂未入册。</translation>
    </message>
    <message>
        <source>e.g. moved with the parents</source>
        <translation>如：随父母迁居</translation>
    </message>
    <message>
        <source>Then merge the other file into it (the same child registered again there)</source>
        <translation>同时把另一份档案并入（同一儿童在新村重新登记的档案）</translation>
    </message>
    <message>
        <source>File that moves</source>
        <translation>转移哪份档案</translation>
    </message>
    <message>
        <source>To &amp;village</source>
        <translation>转到(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Reason</source>
        <translation>原因(&amp;R)</translation>
    </message>
    <message>
        <source>The file of %1 is closed in %2 as moved away, moved to %3 and opened there again, with its history. %2 keeps a closed file saying where the child went.</source>
        <translation>%1的档案将在%2以“户籍迁出”销档，转到%3后重新开档，原有记录随档案转移。%2保留一份已销档的档案，注明儿童迁往何处。</translation>
    </message>
    <message>
        <source>Then the file of %1 is merged into it and closed as merged.</source>
        <translation>随后%1的档案并入其中，并以“合并”销档。</translation>
    </message>
</context>
<context>
    <name>VisitDialog</name>
    <message>
        <source>Record a visit</source>
        <translation>记录走访</translation>
    </message>
    <message>
        <source>Visit date *</source>
        <translation>走访日期 *</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>HH:MM</source>
        <translation>时:分</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>走访类型</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>走访方式</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>走访地点</translation>
    </message>
    <message>
        <source>Visitor</source>
        <translation>走访人</translation>
    </message>
    <message>
        <source>Person interviewed</source>
        <translation>受访人</translation>
    </message>
    <message>
        <source>Their relation to the child</source>
        <translation>受访人与儿童关系</translation>
    </message>
    <message>
        <source>Child&apos;s last contact with parents</source>
        <translation>儿童最近与父母联系时间</translation>
    </message>
    <message>
        <source>Living conditions</source>
        <translation>生活状况</translation>
    </message>
    <message>
        <source>Family situation</source>
        <translation>家庭情况</translation>
    </message>
    <message>
        <source>Guardianship</source>
        <translation>监护情况</translation>
    </message>
    <message>
        <source>Mental state</source>
        <translation>心理状况</translation>
    </message>
    <message>
        <source>Schooling</source>
        <translation>就学情况</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康情况</translation>
    </message>
    <message>
        <source>Guardian&apos;s opinion</source>
        <translation>监护人意见</translation>
    </message>
    <message>
        <source>Actions taken</source>
        <translation>采取措施</translation>
    </message>
    <message>
        <source>Suggested help</source>
        <translation>建议帮扶</translation>
    </message>
    <message>
        <source>Outcome (return visit)</source>
        <translation>回访结果</translation>
    </message>
    <message>
        <source>Key child</source>
        <translation>重点儿童</translation>
    </message>
    <message>
        <source>Mark the child as a key child</source>
        <translation>将该儿童列为重点儿童</translation>
    </message>
    <message>
        <source>Next visit</source>
        <translation>下次走访</translation>
    </message>
    <message>
        <source>Add photo or scan...</source>
        <translation>添加照片或扫描件...</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <source>&amp;Save visit</source>
        <translation>保存走访记录(&amp;S)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Proposed from the visit frequency settings: every %1 days.</source>
        <translation>按走访频次设置建议：每 %1 天一次。</translation>
    </message>
    <message>
        <source>Add photos or scans</source>
        <translation>添加照片或扫描件</translation>
    </message>
    <message>
        <source>Images and PDF (*.jpg *.jpeg *.png *.pdf);;All files (*)</source>
        <translation>图片和 PDF (*.jpg *.jpeg *.png *.pdf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Discard this visit?</source>
        <translation>放弃这次走访记录？</translation>
    </message>
    <message>
        <source>The visit you are recording has not been saved. Discard what you typed?</source>
        <translation>正在记录的走访还没有保存。要放弃已经填写的内容吗？</translation>
    </message>
    <message>
        <source>Not saved: please correct the marked fields.</source>
        <translation>未保存：请更正标红的项目。</translation>
    </message>
</context>
<context>
    <name>VisitsPage</name>
    <message>
        <source>Child</source>
        <extracomment>Emitted after the list was (re)loaded with the number of children listed.</extracomment>
        <translation>儿童</translation>
    </message>
    <message>
        <source>Categories</source>
        <translation>儿童类别</translation>
    </message>
    <message>
        <source>Last visit</source>
        <translation>最近走访</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>应访日期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>Enter or the button records a visit; double-click opens the child&apos;s file.</source>
        <translation>按回车或点击按钮记录走访；双击打开儿童档案。</translation>
    </message>
    <message>
        <source>Visits due</source>
        <translation>走访提醒</translation>
    </message>
    <message>
        <source>%1 overdue, %2 due this week</source>
        <translation>逾期 %1 人，本周应访 %2 人</translation>
    </message>
    <message>
        <source>Not rated</source>
        <translation>未评定风险</translation>
    </message>
    <message>
        <source>Overdue %1 days</source>
        <translation>逾期 %1 天</translation>
    </message>
    <message>
        <source>Due this week</source>
        <translation>本周应访</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未走访</translation>
    </message>
    <message>
        <source>Record visit</source>
        <translation>记录走访</translation>
    </message>
</context>
</TS>
