# Installs Synesthesia for this user on Windows from the folder this script is in (made by
# `installers/build.sh windows`), the same way installers/linux/install.sh does on Linux:
#   %LOCALAPPDATA%\Programs\Synesthesia\venv   exactly the locked dependencies (requirements.txt,
#                                               hash-checked) and the application's wheel
#   Start menu: "Synesthesia" (the window, synesthesia-gui.exe, with the project's icon)
# Your library and settings are not here (%LOCALAPPDATA%\synesthesia, the registry key
# HKCU\Software\synesthesia); uninstall.ps1 keeps them.
# NOT RUN: written on Linux, where it could not be tried (see the README).
# Needs Python >= 3.11 (py launcher or python on PATH) and uv (on PATH, or installed with pip).
param([string]$Prefix = "$env:LOCALAPPDATA\Programs\Synesthesia", [switch]$Offline)
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
if (Get-Command py -ErrorAction SilentlyContinue) { $python = @("py", "-3") } else { $python = @("python") }
$uv = (Get-Command uv -ErrorAction SilentlyContinue).Source
if (-not $uv) {
    & $python[0] $python[1..9] -m venv "$Prefix\tools"
    & "$Prefix\tools\Scripts\python.exe" -m pip install --quiet uv==0.13.9
    $uv = "$Prefix\tools\Scripts\uv.exe"
}
$off = @(); if ($Offline) { $off = @("--offline") }
$wheel = Get-ChildItem "$here\synesthesia-*-py3-none-any.whl" | Select-Object -First 1
if (Test-Path "$Prefix\venv") { Remove-Item -Recurse -Force "$Prefix\venv" }
& $uv venv --quiet --python ">=3.11" "$Prefix\venv"
& $uv pip sync --quiet @off --require-hashes --python "$Prefix\venv\Scripts\python.exe" "$here\requirements.txt"
& $uv pip install --quiet @off --no-deps --python "$Prefix\venv\Scripts\python.exe" $wheel.FullName
$icons = & "$Prefix\venv\Scripts\python.exe" -c "from core.resources import resource; print(resource('icons'))"
Copy-Item "$icons\synesthesia.ico" "$Prefix\synesthesia.ico"
$menu = [Environment]::GetFolderPath("Programs")
$shell = New-Object -ComObject WScript.Shell
$link = $shell.CreateShortcut("$menu\Synesthesia.lnk")
$link.TargetPath = "$Prefix\venv\Scripts\synesthesia-gui.exe"
$link.IconLocation = "$Prefix\synesthesia.ico"
$link.Description = "Search your photos, sounds and notes across the senses"
$link.Save()
Copy-Item "$here\uninstall.ps1" "$Prefix\uninstall.ps1"
Write-Output ("Installed " + (& "$Prefix\venv\Scripts\synesthesia.exe" --version))
Write-Output "  Window: Synesthesia in the Start menu; command line: $Prefix\venv\Scripts\synesthesia.exe"
