# Removes what install.ps1 installed; keeps the library and settings. NOT RUN (see the README).
param([string]$Prefix = "$env:LOCALAPPDATA\Programs\Synesthesia")
$ErrorActionPreference = "Stop"
$menu = [Environment]::GetFolderPath("Programs")
Remove-Item -Force -ErrorAction SilentlyContinue "$menu\Synesthesia.lnk"
Remove-Item -Recurse -Force "$Prefix"
Write-Output "Removed Synesthesia; your library and settings were kept."
