; Carebook (关爱档案) - Windows installer, Inno Setup 6 script.
;
; How to run it, on Windows 10/11 (PowerShell, in a clone of the repository):
;
;   1. Python 3.12 or newer from python.org (not 3.11: PySide6 6.12 aborts there, DESIGN.md
;      "Pitfalls"), then the build environment and the app folder:
;        py -3.12 -m venv .venv
;        .venv\Scripts\pip install -r requirements.lock
;        .venv\Scripts\pip install --no-deps -e .
;        .venv\Scripts\python tools\build_translations.py
;        .venv\Scripts\pyinstaller --noconfirm --clean --distpath installer\dist --workpath installer\build installer\carebook.spec
;      Result: installer\dist\carebook\Carebook.exe (the app) and carebook-cli.exe (command line).
;      Try it: installer\dist\carebook\carebook-cli.exe demo
;   2. Inno Setup 6.3 or newer (https://jrsoftware.org/isdl.php). The Chinese (Simplified)
;      messages: Inno Setup 6.5 and newer ship Languages\ChineseSimplified.isl (official
;      translation since 6.5.0) and it is used from there; with an older Inno Setup,
;      download ChineseSimplified.isl from https://jrsoftware.org/files/istrans/ (or the Inno Setup sources on GitHub,
;      jrsoftware/issrc, Files/Languages/Unofficial/ChineseSimplified.isl) and put it next to
;      this script (installer\ChineseSimplified.isl); compiling stops with a message otherwise.
;   3. Compile:
;        & "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe" installer\carebook.iss
;      (or "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" for a machine-wide Inno Setup).
;      Result: installer\Output\Carebook-Setup-<version>.exe
;
; What the installer does:
; * per-user install, no administrator rights (PrivilegesRequired=lowest): the program goes to
;   %LOCALAPPDATA%\Programs\Carebook, shortcuts to the user's Start menu and desktop;
; * Chinese (Simplified) installer language first, English second;
; * the uninstaller removes the program files only. The register and everything else Carebook
;   keeps - the encrypted database, keys, backups and attachments in %LOCALAPPDATA%\Carebook
;   (platformdirs.user_data_dir("Carebook", appauthor=False)), and the database key in the
;   Windows Credential Manager - stay, so reinstalling or upgrading loses nothing. The program
;   folder is never the data folder.

#define AppName "Carebook"
#define AppNameZh "关爱档案"
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppExe "Carebook.exe"
#define CliExe "carebook-cli.exe"
#define DistDir "dist\carebook"

#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
  #define ZhMessages "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
  #define ZhMessages "ChineseSimplified.isl"
#else
  #error ChineseSimplified.isl not found: download it from https://jrsoftware.org/files/istrans/ into the installer folder (see the header of this script)
#endif

#if !FileExists(AddBackslash(SourcePath) + DistDir + "\" + AppExe)
  #error installer\dist\carebook\Carebook.exe not found: build it first with PyInstaller (step 1 in the header of this script)
#endif

[Setup]
; A fixed AppId: upgrades replace the same installation. Never change it.
AppId={{6B0C2E4A-3F57-4C1B-9D7E-CA2E800B0C01}
AppName={#AppName}
AppVerName={#AppNameZh} {#AppName} {#AppVersion}
AppVersion={#AppVersion}
AppPublisher=Carebook
VersionInfoVersion={#AppVersion}
; Per user, without administrator rights; never ask to elevate.
PrivilegesRequired=lowest
; %LOCALAPPDATA%\Programs\Carebook ({userpf}); not %LOCALAPPDATA%\Carebook, which holds the data.
DefaultDirName={localappdata}\Programs\{#AppName}
DefaultGroupName={#AppNameZh}
DisableProgramGroupPage=yes
UsedUserAreasWarning=no
OutputDir=Output
OutputBaseFilename=Carebook-Setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
; Close a running Carebook before replacing its files.
CloseApplications=yes
RestartApplications=no
UninstallDisplayName={#AppNameZh} {#AppName}
UninstallDisplayIcon={app}\{#AppExe}
ShowLanguageDialog=auto

[Languages]
; Chinese first: the default for every user whose Windows is not English.
Name: "zh_CN"; MessagesFile: "{#ZhMessages}"
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
zh_CN.CommandLine=关爱档案命令行
zh_CN.DataKept=程序已卸载。儿童档案数据没有删除，仍保存在：%n%1%n%n重新安装后会继续使用这些数据。如确需删除，请先做好备份，并经单位同意。
en.CommandLine=Carebook command line
en.DataKept=Carebook was removed. The register was not deleted; it is still in:%n%1%n%nInstalling Carebook again uses it. Delete it only after a backup and with your office's approval.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; The whole one-folder build (Carebook.exe, carebook-cli.exe, _internal\...).
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppNameZh}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "{#AppNameZh} {#AppName}"
Name: "{autoprograms}\{cm:CommandLine}"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#CliExe}"" --help"; WorkingDir: "{%USERPROFILE}"
Name: "{autodesktop}\{#AppNameZh}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppNameZh}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder (files PyInstaller's bootloader may leave there). Never the data
; folder %LOCALAPPDATA%\Carebook: it holds the register.
Type: dirifempty; Name: "{app}"

[Code]
function DataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\Carebook');
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and DirExists(DataDir()) and not UninstallSilent() then
    MsgBox(FmtMessage(CustomMessage('DataKept'), [DataDir()]), mbInformation, MB_OK);
end;
