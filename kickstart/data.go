package kickstart

import (
	"math/big"
	"strings"
)

// The data classes: one line of a list command (repo, network, part, ...),
// their __str__ and the __eq__ that decides "already defined" warnings.

var dataImpls = map[string]dataImpl{
	"F12_GroupData": {str: func(d *dataObj) string {
		s := "group"
		if d.t("name") {
			s += " --name=" + d.s("name")
		}
		if d.t("gid") {
			s += " --gid=" + d.s("gid")
		}
		return s + "\n"
	}, eq: eqAttrs("name")},

	"F14_DriverDiskData": {str: func(d *dataObj) string {
		s := ""
		switch {
		case d.t("partition"):
			s = d.s("partition")
		case d.t("source"):
			s = "--source=" + d.s("source")
		case d.t("biospart"):
			s = "--biospart=" + d.s("biospart")
		}
		return "driverdisk " + s + "\n"
	}},

	"F14_ZFCPData":   {str: strZFCPData, eq: eqAttrs("devnum", "wwpn", "fcplun")},
	"F37_ZFCPData":   {str: strZFCPData, eq: eqAttrs("devnum", "wwpn", "fcplun")},
	"RHEL9_ZFCPData": {str: strZFCPData, eq: eqAttrs("devnum", "wwpn", "fcplun")},

	"F17_IscsiData": {str: func(d *dataObj) string {
		s := "iscsi"
		if d.t("target") {
			s += " --target=" + d.s("target")
		}
		if d.t("ipaddr") {
			s += " --ipaddr=" + d.s("ipaddr")
		}
		if p, ok := d.get("port").(*big.Int); !ok || !p.IsInt64() || p.Int64() != 3260 {
			s += " --port=" + d.s("port")
		}
		for _, f := range []struct{ attr, flag string }{{"user", "--user"}, {"password", "--password"}, {"user_in", "--reverse-user"}, {"password_in", "--reverse-password"}, {"iface", "--iface"}} {
			if d.t(f.attr) {
				s += " " + f.flag + "=" + d.s(f.attr)
			}
		}
		return s + "\n"
	}},

	"F19_UserData": {str: func(d *dataObj) string {
		s := ""
		if d.t("groups") {
			s += " --groups=" + strings.Join(d.list_("groups"), ",")
		}
		if d.t("homedir") {
			s += " --homedir=" + d.s("homedir")
		}
		if d.t("name") {
			s += " --name=" + d.s("name")
		}
		if d.t("password") {
			if pw := d.s("password"); strings.Contains(pw, "#") {
				s += " --password=\"" + pw + "\""
			} else {
				s += " --password=" + pw
			}
		}
		if d.t("isCrypted") {
			s += " --iscrypted"
		}
		if d.t("shell") {
			s += " --shell=" + d.s("shell")
		}
		if d.t("uid") {
			s += " --uid=" + d.s("uid")
		}
		if d.t("lock") {
			s += " --lock"
		}
		if d.t("gecos") {
			s += " --gecos=\"" + d.s("gecos") + "\""
		}
		if d.t("gid") {
			s += " --gid=" + pyD(d.get("gid"))
		}
		if s == "" {
			return ""
		}
		return "user" + s + "\n"
	}, eq: eqAttrs("name")},

	"F21_VolGroupData":    {str: strVolGroupData, eq: eqAttrs("vgname")},
	"RHEL7_VolGroupData":  {str: strVolGroupData, eq: eqAttrs("vgname")},
	"RHEL8_VolGroupData":  {str: strVolGroupData, eq: eqAttrs("vgname")},
	"RHEL9_VolGroupData":  {str: strVolGroupData, eq: eqAttrs("vgname")},
	"RHEL10_VolGroupData": {str: strVolGroupData, eq: eqAttrs("vgname")},

	"F22_SshKeyData": {str: func(d *dataObj) string {
		return "sshkey --username=" + d.s("username") + " \"" + d.s("key") + "\"\n"
	}, eq: eqAttrs("username")},
	"F38_SshKeyData":   {str: strSshKeyDataF38, eq: eqAttrs("username")},
	"RHEL9_SshKeyData": {str: strSshKeyDataF38, eq: eqAttrs("username")},

	"F17_BTRFSData":   {str: strBTRFSData, eq: eqAttrs("mountpoint")}, // F23's without mkfsopts
	"F23_BTRFSData":   {str: strBTRFSData, eq: eqAttrs("mountpoint")},
	"RHEL7_BTRFSData": {str: strBTRFSData, eq: eqAttrs("mountpoint")},

	"F13_SshPwData": {str: strSshPwData, eq: eqAttrs("username")}, // F24's without sshkey
	"F24_SshPwData": {str: strSshPwData, eq: eqAttrs("username")},

	"F26_SnapshotData": {str: func(d *dataObj) string {
		when := ""
		switch {
		case intIs(d.get("when"), 0) && d.get("when") != nil:
			when = "--when=post-install"
		case intIs(d.get("when"), 1):
			when = "--when=pre-install"
		}
		return pyStrip("snapshot "+d.s("origin")+" --name="+d.s("name")+" "+when) + "\n"
	}, eq: eqAttrs("name", "origin", "when")},

	"F27_MountData": {str: func(d *dataObj) string {
		s := d.s("device") + " " + d.s("mount_point")
		if d.t("reformat") {
			s += " --reformat"
			if d.t("format") {
				s += "=" + d.s("format")
			}
		}
		if d.t("mkfs_opts") {
			s += " --mkfsoptions=\"" + d.s("mkfs_opts") + "\""
		}
		if d.t("mount_opts") {
			s += " --mountoptions=\"" + d.s("mount_opts") + "\""
		}
		return "mount " + s + "\n"
	}, eq: eqAttrs("mount_point")},

	"F27_NetworkData":   {str: strNetworkData(false), eq: eqAttrs("device")},
	"F25_NetworkData":   {str: strNetworkData(false), eq: eqAttrs("device")},
	"F22_NetworkData":   {str: strNetworkData(false), eq: eqAttrs("device")},
	"RHEL7_NetworkData": {str: strNetworkData(false), eq: eqAttrs("device")},
	"F39_NetworkData":   {str: strNetworkData(true), eq: eqAttrs("device")},
	"RHEL9_NetworkData": {str: strNetworkData(true), eq: eqAttrs("device")},

	"F28_FcoeData":     {str: strFcoeData, eq: eqAttrs("nic")},
	"F13_FcoeData":     {str: strFcoeData, eq: eqAttrs("nic")},
	"RHEL7_FcoeData":   {str: strFcoeData, eq: eqAttrs("nic")},
	"RHEL8_FcoeData":   {str: strFcoeData, eq: eqAttrs("nic")},
	"RHEL9_FcoeData":   {str: strFcoeData, eq: eqAttrs("nic")},
	"RHEL10_FcoeData":  {str: strFcoeData, eq: eqAttrs("nic")},
	"F28_NvdimmData":   {str: strNvdimmData, eq: eqAttrs("action", "namespace", "blockdevs")},
	"F29_LogVolData":   {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"F23_LogVolData":   {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"F21_LogVolData":   {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"RHEL7_LogVolData": {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"RHEL8_LogVolData": {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"F29_PartData":     {str: strPartData, eq: eqAttrs("mountpoint")},
	"F23_PartData":     {str: strPartData, eq: eqAttrs("mountpoint")},
	"RHEL7_PartData":   {str: strPartData, eq: eqAttrs("mountpoint")},
	"F18_PartData":     {str: strPartData, eq: eqAttrs("mountpoint")},
	"F41_PartData":     {str: strPartData, eq: eqAttrs("mountpoint")},
	"RHEL8_PartData":   {str: strPartData, eq: eqAttrs("mountpoint")},
	"F29_RaidData":     {str: strRaidData, eq: eqAttrs("device")},
	"F25_RaidData":     {str: strRaidData, eq: eqAttrs("device")},
	"F23_RaidData":     {str: strRaidData, eq: eqAttrs("device")},
	"RHEL7_RaidData":   {str: strRaidData, eq: eqAttrs("device")},
	"F18_RaidData":     {str: strRaidData, eq: eqAttrs("device")},
	"RHEL8_RaidData":   {str: strRaidData, eq: eqAttrs("device")},
	"F27_RepoData":     {str: strRepoData, eq: eqAttrs("name")},
	"F21_RepoData":     {str: strRepoData, eq: eqAttrs("name")},
	"RHEL7_RepoData":   {str: strRepoData, eq: eqAttrs("name")},
	"F30_RepoData":     {str: strRepoData, eq: eqAttrs("name")},
	"RHEL8_RepoData":   {str: strRepoData, eq: eqAttrs("name")},

	"F29_ModuleData":   {str: strModuleData, eq: eqAttrs("name", "stream")}, // RHEL8's without enable
	"F31_ModuleData":   {str: strModuleData, eq: eqAttrs("name", "stream")},
	"RHEL8_ModuleData": {str: strModuleData, eq: eqAttrs("name", "stream")},

	"F33_TimesourceData": {str: func(d *dataObj) string {
		s := ""
		if d.t("ntp_server") {
			s += " --ntp-server=" + d.s("ntp_server")
		}
		if d.t("ntp_pool") {
			s += " --ntp-pool=" + d.s("ntp_pool")
		}
		if d.t("nts") {
			s += " --nts"
		}
		if d.t("ntp_disable") {
			s += " --ntp-disable"
		}
		if s == "" {
			return ""
		}
		return "timesource" + s + "\n"
	}},

	// Data of commands that are deprecated or removed in every supported
	// version: never created.
	"F8_DeviceData": {str: func(d *dataObj) string {
		s := ""
		if d.t("moduleName") {
			s = "device " + d.s("moduleName")
			if d.t("moduleOpts") {
				s += " --opts=\"" + d.s("moduleOpts") + "\""
			}
		}
		return s + "\n"
	}, eq: eqAttrs("moduleName")},
	"FC6_DmRaidData": {str: func(d *dataObj) string {
		s := "dmraid --name=" + d.s("name")
		for _, dev := range d.list_("devices") {
			s += " --dev=\"" + dev + "\""
		}
		return s + "\n"
	}, eq: eqAttrs("name", "devices")},
	"FC6_MultiPathData": {str: func(d *dataObj) string {
		var b strings.Builder
		paths, _ := d.get("paths").([]*dataObj)
		for _, p := range paths {
			b.WriteString("multipath --name=" + d.s("name") + strMpPathData(p) + "\n")
		}
		return b.String()
	}},
	// A path the multipath list holds itself (see parseMultiPath).
	"FC6_MpPathData": {str: strMpPathData},
}

// eqAttrs is an __eq__ comparing the given attributes.
func eqAttrs(names ...string) func(a, b *dataObj) bool {
	return func(a, b *dataObj) bool {
		for _, n := range names {
			if !pyEq(a.get(n), b.get(n)) {
				return false
			}
		}
		return true
	}
}

func strZFCPData(d *dataObj) string {
	s := "zfcp"
	for _, k := range []string{"devnum", "wwpn", "fcplun"} {
		if d.t(k) {
			s += " --" + k + "=" + d.s(k)
		}
	}
	return s + "\n"
}

func strVolGroupData(d *dataObj) string {
	s := "volgroup " + d.s("vgname")
	if !d.t("format") {
		s += " --noformat"
	}
	if d.t("pesize") {
		s += " --pesize=" + pyD(d.get("pesize"))
	}
	if d.t("preexist") {
		s += " --useexisting"
	}
	if d.t("reserved_space") {
		s += " --reserved-space=" + pyD(d.get("reserved_space"))
	}
	if d.t("reserved_percent") {
		s += " --reserved-percent=" + pyD(d.get("reserved_percent"))
	}
	if !d.t("preexist") {
		s += " " + strings.Join(d.list_("physvols"), " ")
	}
	return pyStrip(s) + "\n"
}

func strSshKeyDataF38(d *dataObj) string {
	return "sshkey --username=" + d.s("username") + " \"" + strings.ReplaceAll(d.s("key"), "\"", "\\\"") + "\"\n"
}

// strNetworkData is F39_NetworkData.__str__ (and F27's without the DNS
// options). The arguments start with a space, hence "network  --...".
func strNetworkData(f39 bool) func(d *dataObj) string {
	return func(d *dataObj) string {
		var b strings.Builder
		opt := func(attr, flag string) {
			if d.t(attr) {
				b.WriteString(" " + flag + "=" + d.s(attr))
			}
		}
		quoted := func(attr, flag string) {
			if d.t(attr) {
				b.WriteString(" " + flag + "=\"" + d.s(attr) + "\"")
			}
		}
		flag := func(attr, flag string) {
			if d.t(attr) {
				b.WriteString(" " + flag)
			}
		}
		opt("bootProto", "--bootproto")
		opt("dhcpclass", "--dhcpclass")
		opt("device", "--device")
		quoted("essid", "--essid")
		quoted("ethtool", "--ethtool")
		opt("gateway", "--gateway")
		opt("hostname", "--hostname")
		opt("ip", "--ip")
		opt("mtu", "--mtu")
		opt("nameserver", "--nameserver")
		opt("netmask", "--netmask")
		flag("nodns", "--nodns")
		if !d.t("onboot") {
			b.WriteString(" --onboot=off")
		}
		opt("wepkey", "--wepkey")
		flag("notksdevice", "--notksdevice")
		flag("noipv4", "--noipv4")
		flag("noipv6", "--noipv6")
		opt("ipv6", "--ipv6")
		flag("activate", "--activate")
		flag("nodefroute", "--nodefroute")
		opt("wpakey", "--wpakey")
		opt("bondslaves", "--bondslaves")
		opt("bondopts", "--bondopts")
		opt("vlanid", "--vlanid")
		opt("ipv6gateway", "--ipv6gateway")
		if ts, ok := d.get("teamslaves").([]teamSlave); ok && len(ts) > 0 {
			var cfgs []string
			for _, t := range ts {
				cfg := t.cfg
				if cfg != "" {
					cfg = "'" + cfg + "'"
				}
				cfgs = append(cfgs, t.dev+cfg)
			}
			b.WriteString(" --teamslaves=\"" + strings.ReplaceAll(strings.Join(cfgs, ","), "\"", "\\\"") + "\"")
		}
		if d.t("teamconfig") {
			b.WriteString(" --teamconfig=\"" + strings.ReplaceAll(d.s("teamconfig"), "\"", "\\\"") + "\"")
		}
		opt("interfacename", "--interfacename")
		opt("bridgeslaves", "--bridgeslaves")
		opt("bridgeopts", "--bridgeopts")
		if a, ok := d.get("activate").(bool); ok && !a {
			b.WriteString(" --no-activate")
		}
		if d.get("bindto") != nil && d.s("bindto") == "mac" {
			b.WriteString(" --bindto=mac")
		}
		if f39 {
			opt("ipv4_dns_search", "--ipv4-dns-search")
			opt("ipv6_dns_search", "--ipv6-dns-search")
			flag("ipv4_ignore_auto_dns", "--ipv4-ignore-auto-dns")
			flag("ipv6_ignore_auto_dns", "--ipv6-ignore-auto-dns")
		}
		return "network " + b.String() + "\n"
	}
}

func strFcoeData(d *dataObj) string {
	s := "fcoe"
	if d.t("nic") {
		s += " --nic=" + d.s("nic")
	}
	if d.t("dcb") {
		s += " --dcb"
	}
	if d.t("autovlan") {
		s += " --autovlan"
	}
	return s + "\n"
}

func strNvdimmData(d *dataObj) string {
	s := d.s("action")
	switch d.s("action") {
	case "reconfigure":
		if d.t("namespace") {
			s += " --namespace=" + d.s("namespace")
		}
		if d.s("mode") == "sector" && d.get("mode") != nil {
			s += " --mode=sector"
			if d.t("sectorsize") {
				s += " --sectorsize=" + pyD(d.get("sectorsize"))
			}
		}
	case "use":
		if d.t("namespace") {
			s += " --namespace=" + d.s("namespace")
		}
		if d.t("blockdevs") {
			s += " --blockdevs=" + strings.Join(d.list_("blockdevs"), ",")
		}
	}
	return pyStrip("nvdimm "+s) + "\n"
}

// encryptionArgs are the options part, logvol and raid share for LUKS.
func encryptionArgs(d *dataObj) string {
	s := ""
	if !d.t("encrypted") {
		return s
	}
	for _, f := range []struct{ attr, flag string }{{"luks_version", "--luks-version"}, {"pbkdf", "--pbkdf"}, {"pbkdf_memory", "--pbkdf-memory"}, {"pbkdf_time", "--pbkdf-time"}, {"pbkdf_iterations", "--pbkdf-iterations"}} {
		if d.t(f.attr) {
			s += " " + f.flag + "=" + d.s(f.attr)
		}
	}
	return s
}

func strLogVolData(d *dataObj) string {
	s := ""
	if d.t("fstype") {
		s += " --fstype=\"" + d.s("fstype") + "\""
	}
	if d.t("grow") {
		s += " --grow"
	}
	if d.t("maxSizeMB") {
		s += " --maxsize=" + pyD(d.get("maxSizeMB"))
	}
	if !d.t("format") {
		s += " --noformat"
	}
	if d.t("percent") {
		s += " --percent=" + pyD(d.get("percent"))
	}
	if d.t("recommended") {
		s += " --recommended"
	}
	if d.t("size") {
		s += " --size=" + pyD(d.get("size"))
	}
	if d.t("preexist") {
		s += " --useexisting"
	}
	if _, ok := d.a["bytesPerInode"]; ok && d.t("bytesPerInode") {
		s += " --bytes-per-inode=" + pyD(d.get("bytesPerInode"))
	}
	if d.t("fsopts") {
		s += " --fsoptions=\"" + d.s("fsopts") + "\""
	}
	if d.t("fsprofile") {
		s += " --fsprofile=\"" + d.s("fsprofile") + "\""
	}
	if d.t("encrypted") {
		s += " --encrypted"
		if d.t("passphrase") {
			s += " --passphrase=\"" + d.s("passphrase") + "\""
		}
	}
	if d.t("encrypted") && d.t("escrowcert") {
		s += " --escrowcert=\"" + d.s("escrowcert") + "\""
		if d.t("backuppassphrase") {
			s += " --backuppassphrase"
		}
	}
	if d.t("label") {
		s += " --label=\"" + d.s("label") + "\""
	}
	if d.t("resize") {
		s += " --resize"
	}
	if d.t("hibernation") {
		s += " --hibernation"
	}
	if d.t("encrypted") && d.t("cipher") {
		s += " --cipher=\"" + d.s("cipher") + "\""
	}
	s += thinLogVolArgs(d)
	if d.t("cache_size") {
		s += " --cachesize=" + pyD(d.get("cache_size"))
	}
	if d.t("cache_pvs") {
		s += " --cachepvs=" + strings.Join(d.list_("cache_pvs"), ",")
	}
	if d.t("cache_mode") {
		s += " --cachemode=" + d.s("cache_mode")
	}
	if d.t("mkfsopts") {
		s += " --mkfsoptions=\"" + d.s("mkfsopts") + "\""
	}
	s += encryptionArgs(d)
	s += " --name=" + d.s("name") + " --vgname=" + d.s("vgname")
	return "logvol " + d.s("mountpoint") + s + "\n"
}

func strPartData(d *dataObj) string {
	s := ""
	if d.t("active") {
		s += " --active"
	}
	if d.t("primOnly") {
		s += " --asprimary"
	}
	if _, ok := d.a["end"]; ok && !intIs(d.get("end"), 0) {
		s += " --end=" + d.s("end")
	}
	if d.t("fstype") {
		s += " --fstype=\"" + d.s("fstype") + "\""
	}
	if d.t("grow") {
		s += " --grow"
	}
	if m, ok := d.get("maxSizeMB").(*big.Int); ok && m.Sign() > 0 {
		s += " --maxsize=" + m.String()
	}
	if !d.t("format") {
		s += " --noformat"
	}
	if d.t("onbiosdisk") {
		s += " --onbiosdisk=" + d.s("onbiosdisk")
	}
	if d.t("disk") {
		s += " --ondisk=" + d.s("disk")
	}
	if d.t("onPart") {
		s += " --onpart=" + d.s("onPart")
	}
	if d.t("recommended") {
		s += " --recommended"
	}
	if d.t("size") {
		s += " --size=" + d.s("size")
	}
	if _, ok := d.a["start"]; ok && !intIs(d.get("start"), 0) {
		s += " --start=" + d.s("start")
	}
	if _, ok := d.a["bytesPerInode"]; ok && !intIs(d.get("bytesPerInode"), 0) {
		s += " --bytes-per-inode=" + pyD(d.get("bytesPerInode"))
	}
	if d.t("fsopts") {
		s += " --fsoptions=\"" + d.s("fsopts") + "\""
	}
	if d.t("label") {
		s += " --label=\"" + d.s("label") + "\""
	}
	if d.t("fsprofile") {
		s += " --fsprofile=\"" + d.s("fsprofile") + "\""
	}
	if d.t("encrypted") {
		s += " --encrypted"
		if d.t("passphrase") {
			s += " --passphrase=\"" + d.s("passphrase") + "\""
		}
	}
	if d.t("encrypted") && d.t("escrowcert") {
		s += " --escrowcert=\"" + d.s("escrowcert") + "\""
		if d.t("backuppassphrase") {
			s += " --backuppassphrase"
		}
	}
	if d.t("resize") {
		s += " --resize"
	}
	if d.t("hibernation") {
		s += " --hibernation"
	}
	if d.t("encrypted") && d.t("cipher") {
		s += " --cipher=\"" + d.s("cipher") + "\""
	}
	if d.t("mkfsopts") {
		s += " --mkfsoptions=\"" + d.s("mkfsopts") + "\""
	}
	s += encryptionArgs(d)
	if _, ok := d.a["hw_passphrase"]; ok && d.t("encrypted") && d.t("hw_passphrase") {
		s += " --hw-passphrase=\"" + d.s("hw_passphrase") + "\""
	}
	return "part " + d.s("mountpoint") + s + "\n"
}

func strRaidData(d *dataObj) string {
	s := ""
	if pyStr(d.get("device")) != "" {
		s += " --device=" + d.s("device")
	}
	if d.t("fstype") {
		s += " --fstype=\"" + d.s("fstype") + "\""
	}
	if d.t("level") {
		s += " --level=" + strings.ToUpper(d.s("level"))
	}
	if !d.t("format") {
		s += " --noformat"
	}
	if !intIs(d.get("spares"), 0) {
		s += " --spares=" + pyD(d.get("spares"))
	}
	if d.t("preexist") {
		s += " --useexisting"
	}
	if d.t("fsopts") {
		s += " --fsoptions=\"" + d.s("fsopts") + "\""
	}
	if _, ok := d.a["bytesPerInode"]; ok && !intIs(d.get("bytesPerInode"), 0) {
		s += " --bytes-per-inode=" + pyD(d.get("bytesPerInode"))
	}
	if d.t("fsprofile") {
		s += " --fsprofile=\"" + d.s("fsprofile") + "\""
	}
	if d.t("encrypted") {
		s += " --encrypted"
		if d.t("passphrase") {
			s += " --passphrase=\"" + d.s("passphrase") + "\""
		}
	}
	if d.t("encrypted") && d.t("escrowcert") {
		s += " --escrowcert=\"" + d.s("escrowcert") + "\""
		if d.t("backuppassphrase") {
			s += " --backuppassphrase"
		}
	}
	if d.t("label") {
		s += " --label=\"" + d.s("label") + "\""
	}
	if d.t("encrypted") && d.t("cipher") {
		s += " --cipher=\"" + d.s("cipher") + "\""
	}
	if d.t("mkfsopts") {
		s += " --mkfsoptions=\"" + d.s("mkfsopts") + "\""
	}
	if d.t("chunk_size") {
		s += " --chunksize=" + pyD(d.get("chunk_size"))
	}
	s += encryptionArgs(d)
	out := "raid " + d.s("mountpoint") + s
	if !d.t("preexist") {
		out += " " + strings.Join(d.list_("members"), " ")
	}
	return pyStrip(out) + "\n"
}

func strRepoData(d *dataObj) string {
	s := ""
	if d.t("baseurl") {
		s += "--baseurl=" + d.s("baseurl")
	} else if d.t("mirrorlist") {
		s += "--mirrorlist=" + d.s("mirrorlist")
	}
	if d.t("cost") {
		s += " --cost=" + d.s("cost")
	}
	if d.t("includepkgs") {
		s += " --includepkgs=\"" + strings.Join(d.list_("includepkgs"), ",") + "\""
	}
	if d.t("excludepkgs") {
		s += " --excludepkgs=\"" + strings.Join(d.list_("excludepkgs"), ",") + "\""
	}
	if d.t("ignoregroups") {
		s += " --ignoregroups=true"
	}
	if d.t("proxy") {
		s += " --proxy=\"" + d.s("proxy") + "\""
	}
	if d.t("noverifyssl") {
		s += " --noverifyssl"
	}
	if d.t("install") {
		s += " --install"
	}
	if d.t("metalink") {
		s += " --metalink=" + d.s("metalink")
	}
	for _, k := range []string{"sslcacert", "sslclientcert", "sslclientkey"} {
		if d.t(k) {
			s += " --" + k + "=\"" + d.s(k) + "\""
		}
	}
	return "repo --name=\"" + d.s("name") + "\" " + s + "\n"
}

func strModuleData(d *dataObj) string {
	s := " --name=" + d.s("name")
	if d.t("stream") {
		s += " --stream=" + d.s("stream")
	}
	if _, ok := d.a["enable"]; ok && !d.t("enable") {
		s += " --disable"
	}
	return "module" + s + "\n"
}

func strSshPwData(d *dataObj) string {
	s := "sshpw --username=" + d.s("username")
	if d.t("sshkey") {
		s += " --sshkey"
	} else {
		if d.t("lock") {
			s += " --lock"
		}
		if d.t("isCrypted") {
			s += " --iscrypted"
		} else {
			s += " --plaintext"
		}
	}
	return s + " " + d.s("password") + "\n"
}

func strMpPathData(d *dataObj) string {
	return " --device=" + d.s("device") + " --rule=\"" + d.s("rule") + "\""
}

func strBTRFSData(d *dataObj) string {
	s := "btrfs " + d.s("mountpoint")
	if !d.t("format") {
		s += " --noformat"
	}
	if d.t("preexist") {
		s += " --useexisting"
	}
	if d.t("label") {
		s += " --label=\"" + d.s("label") + "\""
	}
	if d.t("dataLevel") {
		s += " --data=" + strings.ToLower(d.s("dataLevel"))
	}
	if d.t("metaDataLevel") {
		s += " --metadata=" + strings.ToLower(d.s("metaDataLevel"))
	}
	if d.t("subvol") {
		s += " --subvol --name=" + d.s("name")
	}
	if d.t("mkfsopts") {
		s += " --mkfsoptions=\"" + d.s("mkfsopts") + "\""
	}
	return s + " " + strings.Join(d.list_("devices"), " ") + "\n"
}

// thinLogVolArgs is what strLogVolData and RHEL6's strLogVolDataRHEL6
// write of thin provisioning and the profile, in pykickstart's order.
func thinLogVolArgs(d *dataObj) string {
	s := ""
	if d.t("thin_pool") {
		s += " --thinpool"
		if d.t("metadata_size") {
			s += " --metadatasize=" + pyD(d.get("metadata_size"))
		}
		if d.t("chunk_size") {
			s += " --chunksize=" + pyD(d.get("chunk_size"))
		}
	}
	if d.t("thin_volume") {
		s += " --thin --poolname=" + d.s("pool_name")
	}
	if d.t("profile") {
		s += " --profile=" + d.s("profile")
	}
	return s
}
