package kickstart

import (
	"fmt"
	"math/big"
	"strings"
)

// The behaviour of the command and data classes only the oldest versions
// (FC3 to F21, RHEL3 to RHEL6) use, in the same terms as commands.go and
// data.go. They are kept apart so the newer ports read as they did;
// implOf and dataImplOf look in both, and TestOldPortsNotDuplicated
// keeps each class to one port.

// implOf returns the behaviour of command class cn.
func implOf(cn string) (classImpl, bool) {
	if impl, ok := impls[cn]; ok {
		return impl, true
	}
	impl, ok := oldImpls[cn]
	return impl, ok
}

// dataImplOf returns the behaviour of data class dc.
func dataImplOf(dc string) (dataImpl, bool) {
	if di, ok := dataImpls[dc]; ok {
		return di, true
	}
	di, ok := oldDataImpls[dc]
	return di, ok
}

var oldImpls = map[string]classImpl{

	"FC3_AutoPart": {parse: func(c *ctx) error {
		if len(c.args) > 0 {
			return &ksError{msg: "Kickstart command autopart does not take any arguments", arg: 0}
		}
		c.o.a["autopart"] = true
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("autopart") {
			return ""
		}
		return "autopart\n"
	}},

	"FC3_Bootloader": {parse: parseBootloaderFC3, str: strBootloaderFC3(bootloaderArgsFC3)},
	"FC3_Lilo":       {parse: parseBootloaderFC3, str: strBootloaderFC3(bootloaderArgsFC3)},

	"FC3_ClearPart": {parse: parseSelf, str: strClearPartF28},

	"FC3_Device": {parse: func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		if len(extra) != 2 {
			return errf("device command requires two arguments: module type and name")
		}
		if anyDash(extra) {
			return c.unexpected("device", extra)
		}
		c.o.a["moduleOpts"] = ns["moduleOpts"]
		c.o.a["type"] = extra[0]
		c.o.a["moduleName"] = extra[1]
		return nil
	}, str: func(o *cmdObj) string {
		s := ""
		if o.t("moduleName") {
			s = "device " + o.s("type") + " " + o.s("moduleName")
			if o.t("moduleOpts") {
				s += " --opts=\"" + o.s("moduleOpts") + "\""
			}
		}
		return s + "\n"
	}},

	"FC3_DriverDisk": {parse: func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		part, _ := ns["partition"].([]string)
		src := truthy(ns["source"])
		switch {
		case len(part) > 1:
			return errf("Only one partition may be specified for driverdisk command.")
		case len(extra) > 0:
			return c.unexpected("driverdisk", extra)
		case len(part) > 0 && src:
			return errf("Only one of --source and partition may be specified for driverdisk command.")
		case len(part) == 0 && !src:
			return errf("One of --source or partition must be specified for driverdisk command.")
		}
		d := c.newData()
		setToObj(ns, d.a)
		if len(part) > 0 {
			d.a["partition"] = part[0]
		}
		c.data = d
		return nil
	}, str: renderList},

	"FC3_Firewall": {parse: parseSelf, str: strFirewallFC3},

	"FC3_IgnoreDisk": {parse: parseSelf, str: func(o *cmdObj) string {
		if !o.t("ignoredisk") {
			return ""
		}
		return "ignoredisk --drives=" + strings.Join(o.list_("ignoredisk"), ",") + "\n"
	}},

	"FC3_Interactive": {parse: func(c *ctx) error {
		if _, err := c.parseArgs(); err != nil {
			return err
		}
		c.o.a["interactive"] = true
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("interactive") {
			return ""
		}
		return "# Use interactive kickstart installation method\ninteractive\n"
	}},

	"FC3_Keyboard": {parse: func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		kbd, _ := ns["kbd"].([]string)
		if len(kbd) != 1 {
			return errf("Kickstart command keyboard requires one argument")
		}
		if len(extra) > 0 {
			return c.unexpected("keyboard", extra)
		}
		c.o.a["keyboard"] = kbd[0]
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("keyboard") {
			return ""
		}
		return "# System keyboard\nkeyboard " + o.s("keyboard") + "\n"
	}},

	"FC3_Lang": {parse: func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		if len(extra) > 0 {
			return c.unexpected("lang", extra)
		}
		c.setToSelf(ns)
		if l, ok := ns["lang"].([]string); ok && len(l) > 0 {
			c.o.a["lang"] = l[0]
		}
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("lang") {
			return ""
		}
		return "# System language\nlang " + o.s("lang") + "\n"
	}},

	"FC3_LangSupport": {parse: func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		if anyDash(extra) {
			return c.unexpected("langsupport", extra)
		}
		c.setToSelf(ns)
		if extra == nil {
			extra = []string{}
		}
		c.o.a["supported"] = extra
		return nil
	}, str: func(o *cmdObj) string {
		s := ""
		if o.t("deflang") {
			s = "langsupport --default=" + o.s("deflang")
			if o.t("supported") {
				s += " " + strings.Join(o.list_("supported"), " ")
			}
		}
		return s + "\n"
	}},

	"FC3_LiloCheck": {parse: func(c *ctx) error {
		if _, err := c.parseArgs(); err != nil {
			return err
		}
		c.o.a["check"] = true
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("check") {
			return ""
		}
		return "lilocheck\n"
	}},

	"FC3_LogVol": {parse: parseLogVolFC3, str: renderList},

	"FC3_Method": {},

	"FC3_Monitor": {parse: parseSelf, str: func(o *cmdObj) string {
		s := ""
		if o.t("hsync") {
			s += " --hsync=" + o.s("hsync")
		}
		if o.t("monitor") {
			s += " --monitor=\"" + o.s("monitor") + "\""
		}
		if o.t("vsync") {
			s += " --vsync=" + o.s("vsync")
		}
		if s == "" {
			return ""
		}
		return "monitor" + s + "\n"
	}},

	"FC3_Mouse": {},

	"FC3_NFS": {parse: parseSelf, str: func(o *cmdObj) string {
		if !o.seen {
			return ""
		}
		return "# Use NFS installation media\nnfs --server=" + o.s("server") + " --dir=\"" + o.s("dir") + "\"\n"
	}},

	"FC3_Network": {parse: parseNetworkFC3, str: strNetwork},

	"FC3_Partition": {parse: parsePartitionFC3, str: strPartition},

	"FC3_Raid": {parse: parseRaidFC3(true), str: renderList},

	"FC3_Reboot": {parse: func(c *ctx) error {
		switch c.o.currentCmd {
		case "reboot":
			c.o.a["action"] = pyInt(ksReboot)
		case "shutdown", "poweroff":
			c.o.a["action"] = pyInt(ksShutdown)
		}
		return nil
	}, str: strRebootFC3("")},

	"FC3_RootPw": {parse: parseRootPwFC3, str: func(o *cmdObj) string {
		args := ""
		if o.t("isCrypted") {
			args = " --iscrypted"
		}
		return strRootPwFC3(o, args)
	}},

	"FC3_Timezone": {parse: parseTimezoneFC3, str: strTimezoneFC3("--utc")},

	"FC3_Upgrade": {parse: func(c *ctx) error {
		if _, err := c.parseArgs(); err != nil {
			return err
		}
		c.o.a["upgrade"] = c.o.currentCmd == "upgrade"
		return nil
	}, str: strUpgradeFC3},

	"FC3_Url": {parse: parseSelf, str: strUrlFC3},

	"FC3_Vnc": {parse: func(c *ctx) error {
		c.o.a["enabled"] = true
		return parseSelf(c)
	}, str: func(o *cmdObj) string {
		if !o.t("enabled") {
			return ""
		}
		s := "vnc"
		if o.t("connect") {
			s += " --connect=" + o.s("connect")
		}
		if o.t("password") {
			s += " --password=" + o.s("password")
		}
		return s + "\n"
	}},

	"RHEL3_Mouse": {parse: func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		if len(extra) != 1 {
			return errf("Kickstart command mouse requires one argument")
		}
		if anyDash(extra) {
			return c.unexpected("mouse", extra)
		}
		c.setToSelf(ns)
		c.o.a["mouse"] = extra[0]
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("mouse") {
			return ""
		}
		opts := ""
		if o.t("device") {
			opts += "--device=" + o.s("device") + " "
		}
		if o.t("emulthree") {
			opts += "--emulthree "
		}
		return "# System mouse\nmouse " + opts + o.s("mouse") + "\n"
	}},

	"RHEL4_Network": {parse: parseNetworkFC3, str: strNetwork},

	"FC4_Bootloader": {parse: parseSelf, str: strBootloaderFC3(bootloaderArgsFC4)},
	"FC4_DriverDisk": {parse: parseDriverDiskFC4, str: renderList},
	"FC4_LogVol":     {parse: parseLogVolFC3, str: renderList},
	"FC4_Network":    {parse: parseNetworkFC3, str: strNetwork},
	"FC4_Partition":  {parse: parsePartitionFC3, str: strPartition},
	"FC4_Raid":       {parse: parseRaidFC3(true), str: renderList},

	"FC5_LangSupport": {},
	"FC5_Raid":        {parse: parseRaidFC3(true), str: renderList},

	"FC6_Iscsi": {parse: listParse(nil, nil), str: renderList},

	"FC6_Method": {},

	"FC6_Monitor": {parse: parseSelf, str: func(o *cmdObj) string {
		s := ""
		if o.t("hsync") {
			s += " --hsync=" + o.s("hsync")
		}
		if o.t("monitor") {
			s += " --monitor=\"" + o.s("monitor") + "\""
		}
		if !o.t("probe") {
			s += " --noprobe"
		}
		if o.t("vsync") {
			s += " --vsync=" + o.s("vsync")
		}
		if s == "" {
			return ""
		}
		return "monitor" + s + "\n"
	}},

	"FC6_Network": {parse: parseNetworkFC3, str: strNetwork},

	"FC6_Reboot": {parse: parseRebootFC6, str: func(o *cmdObj) string {
		args := ""
		if o.t("eject") {
			args = " --eject"
		}
		return strRebootFC3(args)(o)
	}},

	"FC6_Repo": {parse: parseRepoFC6, str: renderList},

	"FC6_Timezone": {parse: parseTimezoneFC3, str: strTimezoneFC3("--isUtc")},

	"FC6_User": {parse: listParse(nil, func(c *ctx, d *dataObj) {
		c.warn("A user with the name %s has already been defined.", d.s("name"))
	}), str: renderList},

	"FC6_Vnc": {parse: func(c *ctx) error {
		c.o.a["enabled"] = true
		if err := parseSelf(c); err != nil {
			return err
		}
		if conn := c.o.get("_connect"); truthy(conn) {
			host, port, hasPort := strings.Cut(pyStr(conn), ":")
			c.o.a["host"] = host
			if hasPort {
				port, _, _ = strings.Cut(port, ":")
				c.o.a["port"] = port
			}
		}
		delete(c.o.a, "_connect")
		return nil
	}, str: impls["F9_Vnc"].str},

	"FC6_XConfig": {parse: parseSelf, str: strXConfigFC6},

	"F8_IgnoreDisk": {parse: parseIgnoreDiskF8, str: strIgnoreDisk},

	"RHEL5_Bootloader": {parse: parseSelf, str: strBootloaderFC3(func(o *cmdObj) string {
		s := bootloaderArgsFC4(o)
		if o.t("hvArgs") {
			s += " --hvargs=\"" + o.s("hvArgs") + "\""
		}
		return s
	})},
	"RHEL5_Key": {parse: func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		c.setToSelf(ns)
		switch {
		case c.o.t("skip"):
			c.o.a["key"] = pyInt(ksInstKeySkip)
		case len(extra) != 1:
			return errf("Kickstart command key requires one argument")
		case anyDash(extra):
			return c.unexpected("key", extra)
		default:
			c.o.a["key"] = extra[0]
		}
		return nil
	}, str: func(o *cmdObj) string {
		switch k := o.get("key"); {
		case intIs(k, ksInstKeySkip) && k != nil:
			return "key --skip\n"
		case truthy(k):
			return "key " + pyStr(k) + "\n"
		}
		return ""
	}},
	"RHEL5_LogVol":    {parse: parseLogVolFC3, str: renderList},
	"RHEL5_Network":   {parse: parseNetworkFC3, str: strNetwork},
	"RHEL5_Partition": {parse: parsePartitionFC3, str: strPartition},
	"RHEL5_Raid":      {parse: parseRaidFC3(true), str: renderList},

	"F7_LangSupport": {},
	"F7_Mouse":       {},
	"F7_Raid":        {parse: parseRaidFC3(true), str: renderList},

	"F8_Bootloader": {parse: parseSelf, str: strBootloaderFC3(bootloaderArgsF8)},
	"F8_Network":    {parse: parseNetworkFC3, str: strNetwork},
	"F8_Repo":       {parse: parseRepoFC6, str: renderList},
	"F8_RootPw": {parse: parseRootPwFC3, str: func(o *cmdObj) string {
		return strRootPwFC3(o, rootPwArgsF8(o))
	}},
	"F8_User": {parse: listParse(nil, func(c *ctx, d *dataObj) {
		c.warn("A user with the name %s has already been defined.", d.s("name"))
	}), str: renderList},

	"F9_AutoPart":  {parse: parseAutoPartF9, str: strAutoPartF9},
	"F9_Firewall":  {parse: parseSelf, str: strFirewallFC3},
	"F9_LogVol":    {parse: parseLogVolFC3, str: renderList},
	"F9_Network":   {parse: parseNetworkFC3, str: strNetwork},
	"F9_Partition": {parse: parsePartitionFC3, str: strPartition},
	"F9_Raid":      {parse: parseRaidFC3(true), str: renderList},
	"F9_XConfig":   {parse: parseSelf, str: strXConfigFC6},

	"F10_Firewall": {parse: parseSelf, str: strFirewallF10},
	"F10_Iscsi":    {parse: listParse(nil, nil), str: renderList},
	"F10_Monitor":  {},
	"F10_XConfig":  {parse: parseXConfigF10, str: strXConfigFC6},

	"F11_Partition": {parse: parsePartitionFC3, str: strPartition},
	"F11_Repo":      {parse: parseRepoFC6, str: renderList},

	"F12_AutoPart":   {parse: parseAutoPartF9, str: strAutoPartF12},
	"F12_Bootloader": {parse: parseSelf, str: strBootloaderFC3(bootloaderArgsF8)},
	"F12_DriverDisk": {parse: parseDriverDiskFC4, str: renderList},
	"F12_Fcoe":       {parse: parseFcoe, str: renderList},
	"F12_LogVol":     {parse: parseLogVolFC3, str: renderList},
	"F12_Partition":  {parse: parsePartitionFC3, str: strPartition},
	"F12_Raid":       {parse: parseRaidFC3(true), str: renderList},
	"F12_User": {parse: listParse(nil, func(c *ctx, d *dataObj) {
		c.warn("A user with the name %s has already been defined.", d.s("name"))
	}), str: renderList},
	"F12_ZFCP": {parse: listParse(nil, func(c *ctx, _ *dataObj) {
		c.warn("A zfcp with this information has already been defined.")
	}), str: renderList},

	"F13_Method": {},
	"F13_Raid":   {parse: parseRaidFC3(true), str: renderList},
	"F13_Repo":   {parse: parseRepoFC6, str: renderList},
	"F13_Url":    {parse: parseSelf, str: strUrlF13},

	"F14_Bootloader":  {parse: parseSelf, str: strBootloaderFC3(bootloaderArgsF8)},
	"F14_Firewall":    {parse: parseSelf, str: strFirewallF10},
	"F14_Interactive": {},
	"F14_LogVol":      {parse: parseLogVolFC3, str: renderList},
	"F14_Method":      {},
	"F14_Partition":   {parse: parsePartitionFC3, str: strPartition},
	"F14_Raid":        {parse: parseRaidFC3(true), str: renderList},
	"F14_Repo":        {parse: parseRepoFC6, str: renderList},
	"F14_Url":         {parse: parseSelf, str: strUrlF14},

	"F15_Bootloader":  {parse: parseBootloaderF15, str: strBootloaderFC3(bootloaderArgsF15)},
	"F15_Interactive": {},
	"F15_LogVol":      {parse: parseLogVolFC3, str: renderList},
	"F15_Raid":        {parse: parseRaidFC3(true), str: renderList},
	"F15_Repo":        {parse: parseRepoF15, str: renderList},

	"F16_VolGroup": {parse: parseVolGroupF16, str: renderList},

	"F16_AutoPart": {parse: parseAutoPartF9, str: strAutoPartF16},
	"F16_Network":  {parse: parseNetworkFC3, str: strNetwork},

	"F17_AutoPart":   {parse: parseAutoPartF17, str: strAutoPartF17},
	"F17_Bootloader": {parse: parseBootloaderF17, str: strBootloaderFC3(bootloaderArgsF17)},
	"F17_ClearPart":  {parse: oldClearPartF17, str: strClearPartF28},
	"F17_LogVol":     {parse: parseLogVolF17, str: renderList},
	"F17_Partition":  {parse: parsePartitionF17, str: strPartition},

	"F18_AutoPart":   {parse: parseAutoPartF17, str: strAutoPartF18},
	"F18_Bootloader": {parse: parseBootloaderF17, str: strBootloaderFC3(bootloaderArgsF18)},
	"F18_LogVol":     {parse: parseLogVolF17, str: renderList},
	"F18_Method":     {},
	"F18_Monitor":    {},
	"F18_Network":    {parse: parseNetworkFC3, str: strNetwork},
	"F18_Partition":  {parse: parsePartitionF17, str: strPartition},
	"F18_Raid":       {parse: parseRaidFC3(true), str: renderList},

	"F19_Bootloader": {parse: parseBootloaderF17, str: strBootloaderFC3(bootloaderArgsF19)},
	"F19_Network":    {parse: parseNetworkFC3, str: strNetwork},
	"F19_Raid":       {parse: parseRaidFC3(false), str: renderList},

	"F20_AutoPart": {parse: parseAutoPartF17, str: strAutoPartF18},
	"F20_LogVol":   {parse: parseLogVolF20, str: renderList},
	"F20_Network":  {parse: parseNetworkFC3, str: strNetwork},
	"F20_Upgrade":  {},

	"F21_Network": {parse: parseNetworkFC3, str: strNetwork},

	"RHEL6_AutoPart": {parse: parseAutoPartF9, str: func(o *cmdObj) string {
		s := strAutoPartF12(o)
		if o.t("autopart") && o.t("encrypted") && o.t("cipher") {
			s = pyStrip(s) + " --cipher=\"" + o.s("cipher") + "\"\n"
		}
		return s
	}},
	"RHEL6_Bootloader": {parse: parseBootloaderF15, str: strBootloaderFC3(bootloaderArgsF15)},
	"RHEL6_IgnoreDisk": {parse: parseIgnoreDiskRHEL6, str: strIgnoreDisk},
	"RHEL6_Iscsi":      {parse: listParse(nil, nil), str: renderList},
	"RHEL6_LogVol": {parse: func(c *ctx) error {
		if err := parseLogVolFC3(c); err != nil {
			return err
		}
		d := c.data
		switch {
		case d.t("thin_volume") && d.t("thin_pool"):
			return errf("--thin and --thinpool cannot both be specified for the same logvol")
		case d.t("thin_volume") && !d.t("pool_name"):
			return errf("--thin requires --poolname to specify pool name")
		case (d.t("chunk_size") || d.t("metadata_size")) && !d.t("thin_pool"):
			return errf("--chunksize and --metadatasize are for thin pools only")
		}
		return nil
	}, str: renderList},
	"RHEL6_Method":    {},
	"RHEL6_Network":   {parse: parseNetworkFC3, str: strNetwork},
	"RHEL6_Partition": {parse: parsePartitionFC3, str: strPartition},
	"RHEL6_Raid":      {parse: parseRaidFC3(true), str: renderList},
	"RHEL6_Repo":      {parse: parseRepoFC6, str: renderList},
	"RHEL6_Url":       {parse: parseSelf, str: strUrlF14},

	"FC3_VolGroup": {parse: parseVolGroupF16, str: renderList},

	"FC3_XConfig": {parse: parseSelf, str: func(o *cmdObj) string {
		s := ""
		opt := func(attr, flag string) {
			if o.t(attr) {
				s += " " + flag + "=" + o.s(attr)
			}
		}
		opt("card", "--card")
		opt("defaultdesktop", "--defaultdesktop")
		if !intIs(o.get("depth"), 0) {
			s += " --depth=" + pyD(o.get("depth"))
		}
		opt("hsync", "--hsync")
		opt("monitor", "--monitor")
		if o.t("noProbe") {
			s += " --noprobe"
		}
		opt("resolution", "--resolution")
		opt("server", "--server")
		if o.t("startX") {
			s += " --startxonboot"
		}
		opt("videoRam", "--videoram")
		opt("vsync", "--vsync")
		if s == "" {
			return ""
		}
		return "# X Window System configuration information\nxconfig " + s + "\n"
	}},

	"FC3_ZFCP": {parse: listParse(nil, func(c *ctx, _ *dataObj) {
		c.warn("A zfcp with this information has already been defined.")
	}), str: renderList},

	"FC3_ZeroMbr": {parse: func(c *ctx) error {
		_, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		if len(extra) > 0 {
			c.deprecation("Ignoring deprecated option on line %d:  The zerombr command no longer takes any options.  In future releases, this will result in a fatal error from kickstart.  Please modify your kickstart file to remove any options.", c.cmd.Range.Start.Line)
		}
		c.o.a["zerombr"] = true
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("zerombr") {
			return ""
		}
		return "# Clear the Master Boot Record\nzerombr\n"
	}},
}

var oldDataImpls = map[string]dataImpl{
	"FC3_DriverDiskData": {str: func(d *dataObj) string {
		s := ""
		if d.t("partition") {
			s = d.s("partition")
			if d.t("type") {
				s += " --type=" + d.s("type")
			}
		} else if d.t("source") {
			s = "--source=" + d.s("source")
		}
		return "driverdisk " + s + "\n"
	}},
	"FC4_DriverDiskData": {str: strDriverDiskDataFC4},
	"FC4_LogVolData":     {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"FC4_NetworkData":    {str: strNetworkData(false), eq: eqAttrs("device")},
	"FC4_PartData":       {str: strPartData, eq: eqAttrs("mountpoint")},
	"FC4_RaidData":       {str: strRaidData, eq: eqAttrs("device")},
	"RHEL4_NetworkData":  {str: strNetworkData(false), eq: eqAttrs("device")},
	"FC5_RaidData":       {str: strRaidData, eq: eqAttrs("device")},

	"FC6_IscsiData": {str: func(d *dataObj) string {
		s := "iscsi"
		if d.t("target") {
			s += " --target=" + d.s("target")
		}
		if d.t("ipaddr") {
			s += " --ipaddr=" + d.s("ipaddr")
		}
		if !intIs(d.get("port"), 3260) {
			s += " --port=" + d.s("port")
		}
		if d.t("user") {
			s += " --user=" + d.s("user")
		}
		if d.t("password") {
			s += " --password=" + d.s("password")
		}
		return s + "\n"
	}},
	"FC6_NetworkData": {str: strNetworkData(false), eq: eqAttrs("device")},
	"FC6_RepoData":    {str: strRepoData, eq: eqAttrs("name")},
	"FC6_UserData":    {str: dataImpls["F19_UserData"].str, eq: eqAttrs("name")},

	"RHEL5_LogVolData": {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"RHEL5_PartData":   {str: strPartData, eq: eqAttrs("mountpoint")},
	"RHEL5_RaidData":   {str: strRaidData, eq: eqAttrs("device")},
	"F7_RaidData":      {str: strRaidData, eq: eqAttrs("device")},
	"F8_NetworkData":   {str: strNetworkData(false), eq: eqAttrs("device")},
	"F8_RepoData":      {str: strRepoData, eq: eqAttrs("name")},
	"F8_UserData":      {str: dataImpls["F19_UserData"].str, eq: eqAttrs("name")},

	"F9_LogVolData":      {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"F9_PartData":        {str: strPartData, eq: eqAttrs("mountpoint")},
	"F9_RaidData":        {str: strRaidData, eq: eqAttrs("device")},
	"F10_IscsiData":      {str: dataImpls["F17_IscsiData"].str},
	"F11_PartData":       {str: strPartData, eq: eqAttrs("mountpoint")},
	"F11_RepoData":       {str: strRepoData, eq: eqAttrs("name")},
	"F12_DriverDiskData": {str: strDriverDiskDataFC4},
	"F12_FcoeData":       {str: strFcoeData, eq: eqAttrs("nic")},
	"F12_LogVolData":     {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"F12_PartData":       {str: strPartData, eq: eqAttrs("mountpoint")},
	"F12_RaidData":       {str: strRaidData, eq: eqAttrs("device")},
	"F12_UserData":       {str: dataImpls["F19_UserData"].str, eq: eqAttrs("name")},
	"F12_ZFCPData":       {str: strZFCPDataFC3, eq: eqAttrs("devnum", "wwpn", "fcplun")},
	"F13_RaidData":       {str: strRaidData, eq: eqAttrs("device")},
	"F13_RepoData":       {str: strRepoData, eq: eqAttrs("name")},

	"F14_LogVolData": {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"F14_PartData":   {str: strPartData, eq: eqAttrs("mountpoint")},
	"F14_RaidData":   {str: strRaidData, eq: eqAttrs("device")},
	"F14_RepoData":   {str: strRepoData, eq: eqAttrs("name")},

	"F15_LogVolData": {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"F15_RaidData":   {str: strRaidData, eq: eqAttrs("device")},
	"F15_RepoData":   {str: strRepoData, eq: eqAttrs("name")},

	"F16_VolGroupData":  {str: strVolGroupData, eq: eqAttrs("vgname")},
	"F16_NetworkData":   {str: strNetworkData(false), eq: eqAttrs("device")},
	"F17_LogVolData":    {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"F17_PartData":      {str: strPartData, eq: eqAttrs("mountpoint")},
	"F18_LogVolData":    {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"F19_NetworkData":   {str: strNetworkData(false), eq: eqAttrs("device")},
	"F20_LogVolData":    {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"F20_NetworkData":   {str: strNetworkData(false), eq: eqAttrs("device")},
	"F21_NetworkData":   {str: strNetworkData(false), eq: eqAttrs("device")},
	"RHEL6_IscsiData":   {str: dataImpls["F17_IscsiData"].str},
	"RHEL6_LogVolData":  {str: strLogVolDataRHEL6, eq: eqAttrs("vgname", "name")},
	"RHEL6_NetworkData": {str: strNetworkDataRHEL6, eq: eqAttrs("device")},
	"RHEL6_PartData":    {str: strPartDataRHEL6, eq: eqAttrs("mountpoint")},
	"RHEL6_RaidData":    {str: strRaidData, eq: eqAttrs("device")},
	"RHEL6_RepoData":    {str: strRepoData, eq: eqAttrs("name")},

	"FC3_LogVolData":   {str: strLogVolData, eq: eqAttrs("vgname", "name")},
	"FC3_NetworkData":  {str: strNetworkData(false), eq: eqAttrs("device")},
	"FC3_PartData":     {str: strPartData, eq: eqAttrs("mountpoint")},
	"FC3_RaidData":     {str: strRaidData, eq: eqAttrs("device")},
	"FC3_VolGroupData": {str: strVolGroupData, eq: eqAttrs("vgname")},
	"FC3_ZFCPData":     {str: strZFCPDataFC3, eq: eqAttrs("devnum", "wwpn", "fcplun", "scsiid", "scsilun")},
}

// anyDash reports whether an argument looks like an option.
func anyDash(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			return true
		}
	}
	return false
}

func parseBootloaderFC3(c *ctx) error {
	if err := parseSelf(c); err != nil {
		return err
	}
	if c.o.currentCmd == "lilo" {
		c.o.a["useLilo"] = true
	}
	return nil
}

// strBootloaderFC3 is FC3_Bootloader.__str__ around a class's
// _getArgsAsStr.
func strBootloaderFC3(args func(o *cmdObj) string) func(o *cmdObj) string {
	return func(o *cmdObj) string {
		if !o.t("location") {
			return ""
		}
		return "# System bootloader configuration\nbootloader" + args(o) + "\n"
	}
}

func bootloaderArgsFC3(o *cmdObj) string {
	s := ""
	if o.t("appendLine") {
		s += " --append=\"" + o.s("appendLine") + "\""
	}
	if o.t("linear") {
		s += " --linear"
	}
	if o.t("location") {
		s += " --location=" + o.s("location")
	}
	if o.t("forceLBA") {
		s += " --lba32"
	}
	if o.t("password") {
		s += " --password=\"" + o.s("password") + "\""
	}
	if o.t("md5pass") {
		s += " --md5pass=\"" + o.s("md5pass") + "\""
	}
	if o.t("upgrade") {
		s += " --upgrade"
	}
	if o.t("useLilo") {
		s += " --useLilo"
	}
	if len(o.list_("driveorder")) > 0 {
		s += " --driveorder=\"" + strings.Join(o.list_("driveorder"), ",") + "\""
	}
	return s
}

func bootloaderArgsFC4(o *cmdObj) string {
	s := ""
	if o.t("appendLine") {
		s += " --append=\"" + o.s("appendLine") + "\""
	}
	if o.t("location") {
		s += " --location=" + o.s("location")
	}
	if o.t("forceLBA") {
		s += " --lba32"
	}
	if o.t("password") {
		s += " --password=\"" + o.s("password") + "\""
	}
	if o.t("md5pass") {
		s += " --md5pass=\"" + o.s("md5pass") + "\""
	}
	if o.t("upgrade") {
		s += " --upgrade"
	}
	if len(o.list_("driveorder")) > 0 {
		s += " --driveorder=\"" + strings.Join(o.list_("driveorder"), ",") + "\""
	}
	return s
}

// ksInstKeySkip is pykickstart's KS_INSTKEY_SKIP (key --skip).
const ksInstKeySkip = -99

func bootloaderArgsF8(o *cmdObj) string {
	s := bootloaderArgsFC4(o)
	if o.get("timeout") != nil {
		s += " --timeout=" + pyD(o.get("timeout"))
	}
	if o.t("default") {
		s += " --default=" + o.s("default")
	}
	return s
}

func rootPwArgsF8(o *cmdObj) string {
	s := ""
	if o.t("isCrypted") {
		s += " --iscrypted"
	}
	if o.t("lock") {
		s += " --lock"
	}
	if !o.t("isCrypted") {
		s += " --plaintext"
	}
	return s
}

func parseAutoPartF9(c *ctx) error {
	if err := parseSelf(c); err != nil {
		return err
	}
	c.o.a["autopart"] = true
	return nil
}

func strAutoPartF9(o *cmdObj) string {
	if !o.t("autopart") {
		return ""
	}
	s := "autopart"
	if o.t("encrypted") {
		s += " --encrypted"
		if o.t("passphrase") {
			s += " --passphrase=\"" + o.s("passphrase") + "\""
		}
	}
	return s + "\n"
}

func strAutoPartF12(o *cmdObj) string {
	s := strAutoPartF9(o)
	if !o.t("autopart") {
		return s
	}
	if o.t("encrypted") && o.t("escrowcert") {
		s = pyStrip(s) + " --escrowcert=\"" + o.s("escrowcert") + "\""
		if o.t("backuppassphrase") {
			s += " --backuppassphrase"
		}
		s += "\n"
	}
	return s
}

func strAutoPartF16(o *cmdObj) string {
	s := strAutoPartF12(o)
	if o.t("autopart") && !o.t("lvm") {
		s = pyStrip(s) + " --nolvm\n"
	}
	return s
}

func parseAutoPartF17(c *ctx) error {
	if err := parseAutoPartF9(c); err != nil {
		return err
	}
	c.o.a["lvm"] = true
	return nil
}

func strAutoPartF17(o *cmdObj) string {
	s := strAutoPartF16(o)
	if !o.t("autopart") {
		return s
	}
	if ty := autopartTypeName(o.get("type")); ty != "" {
		s = pyStrip(s) + " --type=" + ty + "\n"
	}
	return s
}

func strAutoPartF18(o *cmdObj) string {
	s := strAutoPartF17(o)
	if o.t("autopart") && o.t("encrypted") && o.t("cipher") {
		s = pyStrip(s) + " --cipher=\"" + o.s("cipher") + "\"\n"
	}
	return s
}

func bootloaderArgsF18(o *cmdObj) string {
	s := bootloaderArgsF17(o)
	if o.t("leavebootorder") {
		s += " --leavebootorder"
	}
	return s
}

func bootloaderArgsF19(o *cmdObj) string {
	s := bootloaderArgsF18(o)
	if o.t("extlinux") {
		s += " --extlinux"
	}
	return s
}

func parseLogVolF20(c *ctx) error {
	if err := parseLogVolF17(c); err != nil {
		return err
	}
	d := c.data
	switch {
	case d.t("thin_volume") && d.t("thin_pool"):
		return errf("--thin and --thinpool cannot both be specified for the same logvol")
	case d.t("thin_volume") && !d.t("pool_name"):
		return errf("--thin requires --poolname to specify pool name")
	case (d.t("chunk_size") || d.t("metadata_size")) && !d.t("thin_pool"):
		return errf("--chunksize and --metadatasize are for thin pools only")
	case !d.t("preexist") && !d.t("percent") && !d.t("size") && !d.t("recommended") && !d.t("hibernation"):
		return errf("No size given for logical volume. Use one of --useexisting, --noformat, --size, --percent, or --hibernation.")
	}
	if p, ok := d.get("percent").(*big.Int); ok && (p.Sign() < 0 || p.Cmp(big.NewInt(100)) > 0) {
		return errf("Percentage must be between 0 and 100.")
	}
	return nil
}

// oldClearPartF17 is F17_ClearPart.parse: --list makes the type "list".
func oldClearPartF17(c *ctx) error {
	if err := parseSelf(c); err != nil {
		return err
	}
	if c.o.t("devices") {
		c.o.a["type"] = pyInt(clearpartList)
	}
	return nil
}

func parseBootloaderF17(c *ctx) error {
	if err := parseBootloaderF15(c); err != nil {
		return err
	}
	if strings.Contains(c.o.s("bootDrive"), ",") {
		return errf("--boot-drive accepts only one argument")
	}
	return nil
}

func bootloaderArgsF17(o *cmdObj) string {
	s := bootloaderArgsF15(o)
	if o.t("bootDrive") {
		s += " --boot-drive=" + o.s("bootDrive")
	}
	return s
}

func parseLogVolF17(c *ctx) error {
	if err := parseLogVolFC3(c); err != nil {
		return err
	}
	d := c.data
	if d.t("resize") && !d.t("preexist") {
		return errf("--resize can only be used in conjunction with --useexisting")
	}
	if d.t("resize") && !d.t("size") {
		return errf("--resize requires --size to indicate new size")
	}
	return nil
}

func parsePartitionF17(c *ctx) error {
	if err := parsePartitionFC3(c); err != nil {
		return err
	}
	d := c.data
	if d.t("resize") && !d.t("onPart") {
		return errf("--resize can only be used in conjunction with --onpart")
	}
	if d.t("resize") && !d.t("size") {
		return errf("--resize requires --size to specify new size")
	}
	return nil
}

func strFirewallF10(o *cmdObj) string {
	if o.get("enabled") == nil {
		return ""
	}
	s := strFirewallFC3(o)
	if !truthy(o.get("enabled")) {
		return s
	}
	svc := ""
	if l := o.list_("services"); len(l) > 0 {
		svc = " --service=" + strings.Join(l, ",")
	}
	return pyStrip(s) + svc + "\n"
}

func strUpgradeFC3(o *cmdObj) string {
	switch u := o.get("upgrade"); {
	case u == nil:
		return ""
	case truthy(u):
		return "# Upgrade existing installation\nupgrade\n"
	}
	return "# Install OS instead of upgrade\ninstall\n"
}

func strUrlFC3(o *cmdObj) string {
	if !o.seen {
		return ""
	}
	return "# Use network installation\nurl --url=\"" + o.s("url") + "\"\n"
}

func strUrlF13(o *cmdObj) string {
	s := strUrlFC3(o)
	if o.seen && o.t("proxy") {
		s = pyStrip(s) + " --proxy=\"" + o.s("proxy") + "\"\n"
	}
	return s
}

// strZFCPDataFC3 writes --scsiid and --scsilun when set: F12_ZFCPData
// drops them from a fresh object, but its parser still sets them.
func strZFCPDataFC3(d *dataObj) string {
	s := "zfcp"
	for _, k := range []string{"devnum", "wwpn", "fcplun", "scsiid", "scsilun"} {
		if d.t(k) {
			s += " --" + k + "=" + d.s(k)
		}
	}
	return s + "\n"
}

// parseXConfigF10 is FC3_XConfig.parse for F10 to F13, whose deprecated
// --depth keeps its value as a string: FC6_XConfig.__str__ then fails on
// "%d" (TypeError), so the kickstart cannot be written.
func parseXConfigF10(c *ctx) error {
	if err := parseSelf(c); err != nil {
		return err
	}
	if d, ok := c.o.get("depth").(string); ok {
		return errf("xconfig --depth=%s cannot be written back: pykickstart's %s keeps the deprecated option as text and its __str__ fails on it with a TypeError; remove --depth", d, c.p.h.v)
	}
	return nil
}

func strUrlF14(o *cmdObj) string {
	s := strUrlF13(o)
	if o.seen && o.t("noverifyssl") {
		s = pyStrip(s) + " --noverifyssl\n"
	}
	return s
}

// parseBootloaderF15 is F15_Bootloader.parse (and RHEL6's): --md5pass
// sets the password and marks it crypted.
func parseBootloaderF15(c *ctx) error {
	ns, err := c.parseArgs()
	if err != nil {
		return err
	}
	if md5 := ns["_md5pass"]; truthy(md5) {
		ns["password"] = md5
		ns["isCrypted"] = true
	}
	delete(ns, "_md5pass")
	c.setToSelf(ns)
	return nil
}

func bootloaderArgsF15(o *cmdObj) string {
	s := bootloaderArgsF8(o)
	if o.t("isCrypted") {
		s += " --iscrypted"
	}
	return s
}

// without is a copy of a data object lacking the given attributes, for
// writing the options an older class shares with the newer port in the
// newer port's order, then the rest in the older class's order.
func without(d *dataObj, names ...string) *dataObj {
	c := &dataObj{cls: d.cls, a: d.a.clone(), cmd: d.cmd}
	for _, n := range names {
		delete(c.a, n)
	}
	return c
}

// strNetworkDataRHEL6 is RHEL6_NetworkData: F8's options, then
// --activate, --nodefroute, --vlanid, --bondslaves, --bondopts.
func strNetworkDataRHEL6(d *dataObj) string {
	s := strings.TrimSuffix(strNetworkData(false)(without(d, "activate", "nodefroute", "vlanid", "bondslaves", "bondopts")), "\n")
	if d.t("activate") {
		s += " --activate"
	}
	if d.t("nodefroute") {
		s += " --nodefroute"
	}
	for _, k := range []string{"vlanid", "bondslaves", "bondopts"} {
		if d.t(k) {
			s += " --" + k + "=" + d.s(k)
		}
	}
	return s + "\n"
}

// strPartDataRHEL6 is RHEL6_PartData: F12's options, then --cipher and
// --hibernation.
func strPartDataRHEL6(d *dataObj) string {
	s := strings.TrimSuffix(strPartData(without(d, "cipher", "hibernation")), "\n")
	if d.t("encrypted") && d.t("cipher") {
		s += " --cipher=\"" + d.s("cipher") + "\""
	}
	if d.t("hibernation") {
		s += " --hibernation"
	}
	return s + "\n"
}

// strLogVolDataRHEL6 is RHEL6_LogVolData: F12's options, then --cipher,
// --hibernation, thin provisioning and --profile, then --name and
// --vgname.
func strLogVolDataRHEL6(d *dataObj) string {
	tail := " --name=" + d.s("name") + " --vgname=" + d.s("vgname") + "\n"
	s := strings.TrimSuffix(strLogVolData(without(d, "cipher", "hibernation", "thin_pool", "metadata_size", "chunk_size", "thin_volume", "pool_name", "profile")), tail)
	if d.t("encrypted") && d.t("cipher") {
		s += " --cipher=\"" + d.s("cipher") + "\""
	}
	if d.t("hibernation") {
		s += " --hibernation"
	}
	s += thinLogVolArgs(d)
	return s + tail
}

func strDriverDiskDataFC4(d *dataObj) string {
	s := ""
	switch {
	case d.t("partition"):
		s = d.s("partition")
		if d.t("type") {
			s += " --type=" + d.s("type")
		}
	case d.t("source"):
		s = "--source=" + d.s("source")
	case d.t("biospart"):
		s = "--biospart=" + d.s("biospart")
	}
	return "driverdisk " + s + "\n"
}

func strFirewallFC3(o *cmdObj) string {
	en := o.get("enabled")
	if en == nil {
		return ""
	}
	if !truthy(en) {
		return "# Firewall configuration\nfirewall --disabled\n"
	}
	extra, ports := "", []string{}
	for _, p := range o.list_("ports") {
		switch p {
		case "ssh:tcp":
			extra += " --ssh"
		case "telnet:tcp":
			extra += " --telnet"
		case "smtp:tcp":
			extra += " --smtp"
		case "http:tcp":
			extra += " --http"
		case "ftp:tcp":
			extra += " --ftp"
		default:
			ports = append(ports, p)
		}
	}
	s := "# Firewall configuration\nfirewall --enabled" + extra
	if len(ports) > 0 {
		s += " --port=" + strings.Join(ports, ",")
	}
	if t := o.list_("trusts"); len(t) > 0 {
		s += " --trust=" + strings.Join(t, ",")
	}
	return s + "\n"
}

func parseLogVolFC3(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		return c.unexpected("logvol", extra)
	}
	d := c.newData()
	setToObj(ns, d.a)
	if mp, ok := ns["mntpoint"].([]string); ok && len(mp) > 0 {
		d.a["mountpoint"] = mp[0]
	}
	if !d.t("format") {
		d.a["preexist"] = true
	}
	if c.isDuplicate(d) {
		c.warn("A logical volume with the name %s has already been defined in volume group %s.", d.s("name"), d.s("vgname"))
	}
	c.data = d
	return nil
}

func parseNetworkFC3(c *ctx) error {
	ns, err := c.parseArgs()
	if err != nil {
		return err
	}
	d := c.newData()
	setToObj(ns, d.a)
	if c.isDuplicate(d) {
		c.warn("A network device with the name %s has already been defined.", d.s("device"))
	}
	c.data = d
	return nil
}

func parsePartitionFC3(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		return c.unexpected("partition", extra)
	}
	d := c.newData()
	setToObj(ns, d.a)
	if mp, ok := ns["mntpoint"].([]string); ok && len(mp) > 0 {
		d.a["mountpoint"] = mp[0]
	}
	if d.s("mountpoint") != "swap" && c.isDuplicate(d) {
		c.warn("A partition with the mountpoint %s has already been defined.", d.s("mountpoint"))
	}
	c.data = d
	return nil
}

// parseRaidFC3 is FC3_Raid.parse; intDevice is its _getDevice, int(),
// which F19_Raid drops.
func parseRaidFC3(intDevice bool) func(c *ctx) error {
	return func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		if anyDash(extra) {
			return c.unexpected("raid", extra)
		}
		parts, _ := ns["partitions"].([]string)
		if len(parts) == 0 && len(extra) > 0 {
			parts = extra
			ns["partitions"] = parts
		}
		if !truthy(ns["format"]) {
			ns["preexist"] = true
		}
		pre := truthy(ns["preexist"])
		if len(parts) == 0 && !pre {
			return errf("Partitions required for raid")
		} else if len(parts) > 0 && pre {
			return errf("Members may not be specified for preexisting RAID device")
		}
		d := c.newData()
		setToObj(ns, d.a)
		if intDevice {
			dev, isStr := d.get("device").(string)
			n, ok := parsePyInt(dev)
			if !isStr || !ok {
				// int(None) or int("md0"): pykickstart fails with a
				// TypeError or ValueError, not a parse error.
				return errf("pykickstart's %s raid command needs a numeric --device (it calls int() on %s)", c.p.h.v, pyRepr(dev))
			}
			d.a["device"] = n
		}
		if mp, ok := ns["mntpoint"].([]string); ok && len(mp) > 0 {
			d.a["mountpoint"] = mp[0]
		}
		if len(parts) > 0 {
			d.a["members"] = parts
		}
		if c.isDuplicate(d) {
			c.warn("A RAID device with the name %s has already been defined.", d.s("device"))
		}
		if !d.t("preexist") && !d.t("level") {
			return errf("RAID Partition defined without RAID level")
		}
		if d.t("preexist") && d.get("device") != nil && d.s("device") == "" {
			return errf("Device required for preexisting RAID device")
		}
		c.data = d
		return nil
	}
}

func strRebootFC3(args string) func(o *cmdObj) string {
	return func(o *cmdObj) string {
		switch {
		case intIs(o.get("action"), ksReboot):
			return "# Reboot after installation\nreboot" + args + "\n"
		case intIs(o.get("action"), ksShutdown):
			return "# Shutdown after installation\nshutdown" + args + "\n"
		}
		return ""
	}
}

func parseRebootFC6(c *ctx) error {
	switch c.o.currentCmd {
	case "reboot":
		c.o.a["action"] = pyInt(ksReboot)
	case "shutdown", "poweroff":
		c.o.a["action"] = pyInt(ksShutdown)
	}
	return parseSelf(c)
}

// parseRepoFC6 is FC6_Repo.parse: --baseurl or --mirrorlist, exactly one
// of them.
func parseRepoFC6(c *ctx) error { return parseRepoURL(c, true) }

// parseRepoF15 is the same parse with F15_Repo's urlRequired = False.
func parseRepoF15(c *ctx) error { return parseRepoURL(c, false) }

func parseRepoURL(c *ctx, urlRequired bool) error {
	ns, err := c.parseArgs()
	if err != nil {
		return err
	}
	var used []string
	for _, o := range []struct{ attr, flag string }{{"mirrorlist", "--mirrorlist"}, {"baseurl", "--baseurl"}} {
		if truthy(ns[o.attr]) {
			used = append(used, o.flag)
		}
	}
	if urlRequired && len(used) == 0 {
		return errf("One of -%s options must be specified for repo command.", "--mirrorlist, --baseurl")
	}
	if len(used) > 1 {
		return errf("Only one of %s options may be specified for repo command.", strings.Join(used, ", "))
	}
	d := c.newData()
	setToObj(ns, d.a)
	if c.isDuplicate(d) {
		c.warn("A repo with the name %s has already been defined.", d.s("name"))
	}
	c.data = d
	return nil
}

func strTimezoneFC3(utcFlag string) func(o *cmdObj) string {
	return func(o *cmdObj) string {
		if !o.t("timezone") {
			return ""
		}
		utc := ""
		if o.t("isUtc") {
			utc = utcFlag
		}
		return "# System timezone\ntimezone " + utc + " " + o.s("timezone") + "\n"
	}
}

func parseRootPwFC3(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	if !truthy(ns["password"]) {
		return errf("A single argument is expected for the rootpw command")
	}
	if len(extra) > 0 {
		return c.unexpected("rootpw", extra)
	}
	c.setToSelf(ns)
	return nil
}

// strRootPwFC3 is FC3_RootPw.__str__ with a class's _getArgsAsStr.
func strRootPwFC3(o *cmdObj, args string) string {
	if !o.t("password") {
		return ""
	}
	pw := o.s("password")
	if strings.Contains(pw, "#") {
		pw = "\"" + pw + "\""
	}
	return fmt.Sprintf("# Root password\nrootpw%s %s\n", args, pw)
}

func parseTimezoneFC3(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	c.setToSelf(ns)
	if len(extra) > 0 {
		return c.unexpected("timezone", extra)
	}
	if tz, ok := ns["timezone"].([]string); ok && len(tz) > 0 {
		c.o.a["timezone"] = tz[0]
	}
	return nil
}
