; NSIS installer of the vetdesk counter desktop for Windows (x64).
; Built by `make dist` with Debian's makensis:
;   makensis -DVERSION=v1.2.3 -DNUMERIC=1.2.3.0 -DDIST=/abs/dist -DOUT=/abs/dist/x.exe vetdesk.nsi
; DIST holds vetdesk.exe and vetdesk.ico (scripts/build-windows.sh).
;
; It installs for the whole machine (admin rights), adds a Start-menu entry
; and an uninstaller, and creates the data folder C:\ProgramData\vetdesk
; that every clerk of this PC shares (vetdesk.exe's default data folder on
; Windows when it exists; the shortcut names it too). Its ACL (icacls, inheritance removed)
; lets SYSTEM, Administrators and the local group vetdesk-clerks in, and
; nobody else; the installing account joins the group. Other clerks are added
; with `net localgroup vetdesk-clerks NAME /add`. Uninstalling keeps the data
; folder: the records there are the office's.

; A 64-bit installer: vetdesk is x64 only, and Wine's 64-bit prefix runs it.
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma
RequestExecutionLevel admin

!ifndef VERSION
  !error "VERSION is not set"
!endif
!define APP "vetdesk"
!define APPNAME "军人退役一件事 受理台"
!define GROUP "vetdesk-clerks"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\vetdesk"

Name "${APPNAME} ${VERSION}"
OutFile "${OUT}"
InstallDir "$PROGRAMFILES64\vetdesk"
BrandingText "vetdesk ${VERSION}"

VIProductVersion "${NUMERIC}"
VIAddVersionKey /LANG=2052 "ProductName" "${APPNAME} (vetdesk)"
VIAddVersionKey /LANG=2052 "FileDescription" "${APPNAME} 安装程序"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "CompanyName" "威海市退役军人事务局"
VIAddVersionKey /LANG=2052 "LegalCopyright" "威海市退役军人事务局"

!include "MUI2.nsh"
!include "x64.nsh"
!define MUI_ICON "${DIST}\vetdesk.ico"
!define MUI_UNICON "${DIST}\vetdesk.ico"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "vetdesk 需要 64 位 Windows。"
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "vetdesk" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "${DIST}\vetdesk.exe"
  File "${DIST}\vetdesk.ico"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; The shared data folder: SYSTEM and Administrators full control, the
  ; clerks' group modify (inherited by the store, its WAL and shm, backups
  ; and documents), everyone else nothing.
  nsExec::ExecToLog 'net localgroup "${GROUP}" /add /comment:"vetdesk counter clerks"'
  Pop $0
  ReadEnvStr $1 USERNAME
  nsExec::ExecToLog 'net localgroup "${GROUP}" "$1" /add'
  Pop $0
  CreateDirectory "$COMMONPROGRAMDATA\vetdesk"
  nsExec::ExecToLog 'icacls "$COMMONPROGRAMDATA\vetdesk" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F "${GROUP}:(OI)(CI)M" /T /C /Q'
  Pop $0
  ${If} $0 != 0
    DetailPrint "icacls failed ($0): the data folder keeps the default permissions"
    MessageBox MB_ICONEXCLAMATION "无法设置数据文件夹的访问权限(icacls 返回 $0)。请管理员检查 $COMMONPROGRAMDATA\vetdesk。"
  ${EndIf}

  CreateShortcut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\vetdesk.exe" '-data "$COMMONPROGRAMDATA\vetdesk"' "$INSTDIR\vetdesk.ico" 0
  CreateShortcut "$SMPROGRAMS\卸载 ${APPNAME}.lnk" "$INSTDIR\uninstall.exe"

  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "威海市退役军人事务局"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\vetdesk.ico"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTKEY}" "DataFolder" "$COMMONPROGRAMDATA\vetdesk"
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  Delete "$SMPROGRAMS\卸载 ${APPNAME}.lnk"
  Delete "$INSTDIR\vetdesk.exe"
  Delete "$INSTDIR\vetdesk.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTKEY}"
  ; The data folder and the clerks' group stay: the case records are the office's.
SectionEnd
