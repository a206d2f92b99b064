package kickstart

import (
	"fmt"
	"math/big"
	"strings"
)

// The behaviour of pykickstart's command classes: what each class's parse()
// checks and sets, and what its __str__() prints. Each function is named
// after the class that defines the behaviour; versions that inherit it
// share it. The facts (options, defaults, write priorities) are in
// tables_gen.go.

func (o *cmdObj) s(k string) string  { return pyStr(o.a[k]) }
func (o *cmdObj) t(k string) bool    { return truthy(o.a[k]) }
func (d *dataObj) s(k string) string { return pyStr(d.a[k]) }
func (d *dataObj) t(k string) bool   { return truthy(d.a[k]) }

func (o *cmdObj) list_(k string) []string { l, _ := o.a[k].([]string); return l }

func (d *dataObj) list_(k string) []string { l, _ := d.a[k].([]string); return l }

func (o *cmdObj) has(k string) bool { _, ok := o.a[k]; return ok }

// parseSelf is the common parse: parse_args, then set_to_self.
func parseSelf(c *ctx) error {
	ns, err := c.parseArgs()
	if err != nil {
		return err
	}
	c.setToSelf(ns)
	return nil
}

// noArgs is the parse of commands that take no arguments.
func noArgs(c *ctx) error {
	if len(c.args) > 0 {
		return &ksError{msg: fmt.Sprintf("Kickstart command %s does not take any arguments", c.o.currentCmd), arg: 0}
	}
	return nil
}

// restOfLine is currentLine[len(currentCmd):].strip(), which the free-form
// commands (auth, authselect, realm) parse. Like pykickstart it assumes the
// line starts with the command name.
func restOfLine(c *ctx) string {
	line := c.o.currentLine
	n := len(c.o.currentCmd)
	if n > len(line) {
		return ""
	}
	return pyStrip(line[n:])
}

var impls = map[string]classImpl{
	"F10_Rescue": {parse: func(c *ctx) error {
		ns, err := c.parseArgs()
		if err != nil {
			return err
		}
		if truthy(ns["nomount"]) && truthy(ns["romount"]) {
			return errf("Only one of --nomount and --romount may be specified for rescue command.")
		}
		c.setToSelf(ns)
		c.o.a["rescue"] = true
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("rescue") {
			return ""
		}
		s := "rescue"
		if o.t("nomount") {
			s += " --nomount"
		}
		if o.t("romount") {
			s += " --romount"
		}
		return "# Start rescue mode\n" + s + "\n"
	}},

	"F12_Group": {parse: listParse(nil, func(c *ctx, d *dataObj) {
		c.warn("A group with the name %s has already been defined.", d.s("name"))
	}), str: renderList},

	"F14_DriverDisk": {parse: parseDriverDiskFC4, str: renderList},

	"F14_XConfig": {parse: parseSelf, str: strXConfigFC6},

	"F14_ZFCP": {parse: listParse(nil, func(c *ctx, _ *dataObj) {
		c.warn("A zfcp with this information has already been defined.")
	}), str: renderList},
	"F37_ZFCP":   {parse: parseZFCPF37, str: renderList},
	"RHEL9_ZFCP": {parse: parseZFCPF37, str: renderList},

	"F17_Iscsi": {parse: func(c *ctx) error {
		ns, err := c.parseArgs()
		if err != nil {
			return err
		}
		d := c.newData()
		setToObj(ns, d.a)
		c.data = d
		return nil
	}, str: renderList},

	"F18_Keyboard": {parse: parseKeyboardF18, str: strKeyboardF18},

	"F18_RootPw":   {parse: parseRootPwF18, str: strRootPw(false)},
	"F37_RootPw":   {parse: parseRootPwF18, str: strRootPw(true)},
	"RHEL9_RootPw": {parse: parseRootPwF18, str: strRootPw(true)},

	"F19_Lang": {parse: func(c *ctx) error {
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
		s := "# System language\nlang " + o.s("lang") + "\n"
		if o.t("addsupport") {
			s = pyRStrip(s) + " --addsupport=" + strings.Join(o.list_("addsupport"), ",") + "\n"
		}
		return s
	}},

	"F19_Liveimg": {parse: parseSelf, str: func(o *cmdObj) string {
		if !o.seen {
			return ""
		}
		s := "# Use live disk image installation\nliveimg --url=\"" + o.s("url") + "\""
		if o.t("proxy") {
			s += " --proxy=\"" + o.s("proxy") + "\""
		}
		if o.t("noverifyssl") {
			s += " --noverifyssl"
		}
		if o.t("checksum") {
			s += " --checksum=\"" + o.s("checksum") + "\""
		}
		return s + "\n"
	}},

	"F19_Realm": {parse: parseRealm, str: func(o *cmdObj) string {
		args := o.list_("join_args")
		if len(args) == 0 {
			return ""
		}
		q := make([]string, len(args))
		for i, a := range args {
			q[i] = shlexQuote(a)
		}
		return "# Realm or domain membership\nrealm join " + strings.Join(q, " ") + "\n"
	}},

	"F20_Eula": {parse: func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		c.setToSelf(ns)
		if len(extra) > 0 {
			return errf("Kickstart command eula does not take any arguments")
		}
		if !c.o.t("agreed") {
			return errf("Kickstart command eula expects the --agreed option")
		}
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("agreed") {
			return ""
		}
		return "# License agreement\neula --agreed\n"
	}},

	"F21_VolGroup":    {parse: parseVolGroupF16, str: renderList},
	"RHEL8_VolGroup":  {parse: parseVolGroupF16, str: renderList},
	"RHEL9_VolGroup":  {parse: parseVolGroupF16, str: renderList},
	"RHEL10_VolGroup": {parse: parseVolGroupF16, str: renderList},

	"F22_SshKey": {parse: func(c *ctx) error {
		d := c.newData()
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		if len(extra) > 0 {
			return c.unexpected("sshkey", extra)
		}
		setToObj(ns, d.a)
		if k, ok := ns["sshkey"].([]string); ok && len(k) > 0 {
			d.a["key"] = k[0]
		}
		if c.isDuplicate(d) {
			c.warn("An ssh user with the name %s has already been defined.", d.s("username"))
		}
		c.data = d
		return nil
	}, str: renderList},

	"F23_BTRFS": {parse: parseBTRFSF23, str: renderList},

	"F23_Reboot": {parse: func(c *ctx) error {
		switch c.o.currentCmd {
		case "reboot":
			c.o.a["action"] = pyInt(ksReboot)
		case "shutdown", "poweroff":
			c.o.a["action"] = pyInt(ksShutdown)
		}
		if err := parseSelf(c); err != nil {
			return err
		}
		if c.o.currentCmd == "halt" {
			c.o.a["action"] = pyInt(ksWait)
		}
		return nil
	}, str: func(o *cmdObj) string {
		args := ""
		if o.t("eject") {
			args += " --eject"
		}
		if o.t("kexec") {
			args += " --kexec"
		}
		switch {
		case intIs(o.get("action"), ksReboot):
			return "# Reboot after installation\nreboot" + args + "\n"
		case intIs(o.get("action"), ksShutdown):
			return "# Shutdown after installation\nshutdown" + args + "\n"
		case intIs(o.get("action"), ksWait):
			return "# Halt after installation\nhalt" + args + "\n"
		}
		return ""
	}},

	"F24_SshPw": {parse: func(c *ctx) error {
		d := c.newData()
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		pw, _ := ns["password"].([]string)
		if len(pw) == 0 {
			return errf("A single argument is expected for the sshpw command")
		}
		if len(extra) > 0 {
			return c.unexpected("sshpw", extra)
		}
		setToObj(ns, d.a)
		d.a["password"] = strings.Join(pw, " ")
		if c.isDuplicate(d) {
			c.warn("An ssh user with the name %s has already been defined.", d.s("username"))
		}
		c.data = d
		return nil
	}, str: renderList},

	"F24_User": {parse: listParse(nil, func(c *ctx, d *dataObj) {
		c.warn("A user with the name %s has already been defined.", d.s("name"))
	}), str: renderList},

	"F25_Timezone":    {parse: parseTimezoneF25, str: strTimezone("--isUtc")},
	"F32_Timezone":    {parse: parseTimezoneF32, str: strTimezone("--utc")},
	"F33_Timezone":    {parse: parseTimezoneF33, str: strTimezone("--utc")},
	"F40_Timezone":    {parse: parseTimezoneF25, str: strTimezone("--utc")},
	"RHEL10_Timezone": {parse: parseTimezoneF25, str: strTimezone("--utc")},

	"F26_DisplayMode": {parse: func(c *ctx) error {
		if err := parseSelf(c); err != nil {
			return err
		}
		switch c.o.currentCmd {
		case "cmdline":
			c.o.a["displayMode"] = pyInt(displayCmdline)
		case "graphical":
			c.o.a["displayMode"] = pyInt(displayGraphical)
		case "text":
			c.o.a["displayMode"] = pyInt(displayText)
		}
		if c.o.currentCmd == "cmdline" && c.o.t("nonInteractive") {
			return errf("Kickstart command cmdline does not support --non-interactive parameter")
		}
		return nil
	}, str: func(o *cmdObj) string {
		var s string
		switch m := o.get("displayMode"); {
		case m == nil:
			return ""
		case intIs(m, displayCmdline):
			s = "cmdline\n"
		case intIs(m, displayGraphical):
			s = "# Use graphical install\ngraphical\n"
		case intIs(m, displayText):
			s = "# Use text mode install\ntext\n"
		}
		if o.t("nonInteractive") {
			s = pyRStrip(s) + " --non-interactive\n"
		}
		return s
	}},

	"F26_Snapshot": {parse: parseSnapshot, str: renderList},

	"F27_Mount": {parse: parseMount, str: func(o *cmdObj) string {
		s := renderList(o)
		if s != "" {
			s = "# Mount points configuration\n" + s + "\n"
		}
		return s
	}},

	"F27_Network":    {parse: parseNetworkF27, str: strNetwork},
	"F39_Network":    {parse: parseNetworkF39, str: strNetwork},
	"RHEL9_Network":  {parse: parseNetworkF39, str: strNetwork},
	"RHEL10_Network": {parse: parseNetworkF39, str: strNetwork},

	"F28_Authconfig": {parse: func(c *ctx) error {
		c.deprecation("The authconfig command will be deprecated, use authselect instead.")
		c.o.a["authconfig"] = restOfLine(c)
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("authconfig") {
			return ""
		}
		return "# System authorization information\nauth " + o.s("authconfig") + "\n"
	}},

	"F28_Authselect": {parse: func(c *ctx) error {
		c.o.a["authselect"] = restOfLine(c)
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("authselect") {
			return ""
		}
		return "# System authorization information\nauthselect " + o.s("authselect") + "\n"
	}},

	"F28_ClearPart": {parse: func(c *ctx) error {
		if err := parseSelf(c); err != nil {
			return err
		}
		if c.o.t("devices") {
			c.o.a["type"] = pyInt(clearpartList)
		}
		return nil
	}, str: strClearPartF28},

	"F28_Fcoe":     {parse: parseFcoe, str: renderList},
	"RHEL8_Fcoe":   {parse: parseFcoe, str: renderList},
	"RHEL9_Fcoe":   {parse: parseFcoe, str: renderList},
	"RHEL10_Fcoe":  {parse: parseFcoe, str: renderList},
	"F28_Firewall": {parse: parseSelf, str: strFirewallF28},

	"F28_Hmc": {parse: noArgs, str: func(o *cmdObj) string {
		if !o.seen {
			return ""
		}
		return "# Use installation media via SE/HMC\nhmc\n"
	}},

	// F28_Method (RHEL8) has no parse: pykickstart fails with a TypeError.
	"F28_Method": {},

	"F28_Nvdimm": {parse: parseNvdimm, str: func(o *cmdObj) string {
		s := renderList(o)
		if s != "" {
			s = "# NVDIMM devices setup\n" + s + "\n"
		}
		return s
	}},

	"F29_IgnoreDisk": {parse: parseIgnoreDiskF8, str: strIgnoreDisk},
	"F34_IgnoreDisk": {parse: parseIgnoreDiskF8, str: strIgnoreDisk},

	"F29_LogVol":    {parse: parseLogVol(false), str: renderList},
	"RHEL8_LogVol":  {parse: parseLogVol(true), str: renderList},
	"RHEL9_LogVol":  {parse: parseLogVol(true), str: renderList},
	"RHEL10_LogVol": {parse: parseLogVol(true), str: renderList},

	"F29_Raid":    {parse: parseRaid(false), str: renderList},
	"F43_Raid":    {parse: parseRaid(false), str: renderList},
	"RHEL8_Raid":  {parse: parseRaid(true), str: renderList},
	"RHEL9_Raid":  {parse: parseRaid(true), str: renderList},
	"RHEL10_Raid": {parse: parseRaid(false), str: renderList}, // from F43_Raid: no btrfs check

	"F30_Url":   {parse: parseUrlF18, str: strUrlF30},
	"RHEL8_Url": {parse: parseUrlF18, str: strUrlF30},

	"F31_Module":   {parse: parseModule, str: renderList},
	"RHEL8_Module": {parse: parseModule, str: renderList},

	"F32_Zipl":   {parse: parseSelf, str: strZipl},
	"RHEL8_Zipl": {parse: parseSelf, str: strZipl},

	"F33_HardDrive": {parse: parseSelf, str: func(o *cmdObj) string {
		if !o.seen {
			return ""
		}
		return "# Use hard drive installation media\nharddrive --dir=\"" + o.s("dir") + "\" --partition=" + o.s("partition") + "\n"
	}},
	"FC3_HardDrive": {parse: func(c *ctx) error {
		if err := parseSelf(c); err != nil {
			return err
		}
		bp, part := c.o.get("biospart"), c.o.get("partition")
		if (bp == nil) == (part == nil) {
			return errf("One of biospart or partition options must be specified.")
		}
		return nil
	}, str: func(o *cmdObj) string {
		if !o.seen {
			return ""
		}
		s := "# Use hard drive installation media\n"
		if o.get("biospart") != nil {
			return s + "harddrive --dir=\"" + o.s("dir") + "\" --biospart=" + o.s("biospart") + "\n"
		}
		return s + "harddrive --dir=\"" + o.s("dir") + "\" --partition=" + o.s("partition") + "\n"
	}},

	"F30_Repo":   {parse: parseRepo, str: renderList}, // = RHEL8_Repo
	"F33_Repo":   {parse: parseRepo, str: renderList},
	"F40_Repo":   {parse: parseRepo, str: renderList},
	"RHEL8_Repo": {parse: parseRepo, str: renderList},

	"F33_Timesource": {parse: parseTimesource, str: renderList},

	"F23_ReqPart": {parse: func(c *ctx) error {
		if err := parseSelf(c); err != nil {
			return err
		}
		c.o.a["reqpart"] = true
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("reqpart") {
			return ""
		}
		s := "reqpart"
		if o.t("addBoot") {
			s += " --add-boot"
		}
		return s + "\n"
	}},

	"FC6_Logging": {parse: parseLoggingFC6, str: func(o *cmdObj) string {
		s := ""
		if o.t("level") && o.t("_level_provided") {
			s += "# Installation logging level\nlogging --level=" + o.s("level")
			if o.t("host") {
				s += " --host=" + o.s("host")
				if o.t("port") {
					s += " --port=" + o.s("port")
				}
			}
		}
		return s + "\n"
	}},
	"F34_Logging": {parse: parseLoggingFC6, str: strLoggingF34},
	"F40_Logging": {parse: parseLoggingFC6, str: strLoggingF34},

	"F29_Partition":    {parse: parsePartition(false, false), str: strPartition}, // F34's with --active
	"F34_Partition":    {parse: parsePartition(false, false), str: strPartition},
	"F41_Partition":    {parse: parsePartition(false, true), str: strPartition},
	"RHEL8_Partition":  {parse: parsePartition(true, false), str: strPartition},
	"RHEL9_Partition":  {parse: parsePartition(true, false), str: strPartition},
	"RHEL10_Partition": {parse: parsePartition(true, false), str: strPartition},
	"RHEL11_Partition": {parse: parsePartition(true, true), str: strPartition},

	"F34_Updates": {parse: parseSelf, str: func(o *cmdObj) string {
		if !o.t("url") {
			return ""
		}
		return "updates " + o.s("url") + "\n"
	}},
	"F7_Updates": {parse: func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		u, _ := ns["updates"].([]string)
		switch {
		case len(u) > 1:
			return errf("Kickstart command updates only takes one argument")
		case len(extra) > 0:
			return c.unexpected("updates", extra)
		case len(u) == 0:
			c.o.a["url"] = "floppy"
		default:
			c.o.a["url"] = u[0]
		}
		return nil
	}, str: func(o *cmdObj) string {
		switch {
		case o.s("url") == "floppy":
			return "updates\n"
		case o.t("url"):
			return "updates " + o.s("url") + "\n"
		}
		return ""
	}},

	"F29_AutoPart":    {parse: parseAutoPart(false, false), str: strAutoPart}, // F38's without --hibernation
	"F38_AutoPart":    {parse: parseAutoPart(false, false), str: strAutoPart},
	"F41_AutoPart":    {parse: parseAutoPart(false, true), str: strAutoPart},
	"RHEL8_AutoPart":  {parse: parseAutoPart(true, false), str: strAutoPart},
	"RHEL9_AutoPart":  {parse: parseAutoPart(true, false), str: strAutoPart},
	"RHEL10_AutoPart": {parse: parseAutoPart(true, false), str: strAutoPart},

	"F38_OSTreeContainer":   {parse: parseOSTreeContainer, str: strOSTreeContainer},
	"F43_OSTreeContainer":   {parse: parseOSTreeContainer, str: strOSTreeContainer},
	"RHEL9_OSTreeContainer": {parse: parseOSTreeContainer, str: strOSTreeContainer},

	"F21_OSTreeSetup":   {parse: parseOSTreeSetup, str: strOSTreeSetup}, // F38's without conflicts
	"F38_OSTreeSetup":   {parse: parseOSTreeSetup, str: strOSTreeSetup},
	"F43_OSTreeSetup":   {parse: parseOSTreeSetup, str: strOSTreeSetup},
	"RHEL8_OSTreeSetup": {parse: parseOSTreeSetup, str: strOSTreeSetup},
	"RHEL9_OSTreeSetup": {parse: parseOSTreeSetup, str: strOSTreeSetup},

	"F43_Bootc": {parse: parseBootc, str: strBootc(false)},
	"F45_Bootc": {parse: parseBootc, str: strBootc(true)},

	"F43_RDP": {parse: func(c *ctx) error {
		c.o.a["enabled"] = true
		return parseSelf(c)
	}, str: func(o *cmdObj) string {
		if !o.t("enabled") {
			return ""
		}
		s := "rdp"
		if o.t("username") {
			s += " --username=" + o.s("username")
		}
		if o.t("password") {
			s += " --password=" + o.s("password")
		}
		return s + "\n"
	}},

	"F9_Vnc": {parse: func(c *ctx) error {
		c.o.a["enabled"] = true
		return parseSelf(c)
	}, str: func(o *cmdObj) string {
		if !o.t("enabled") {
			return ""
		}
		s := "vnc"
		if o.t("host") {
			s += " --host=" + o.s("host")
			if o.t("port") {
				s += " --port=" + o.s("port")
			}
		}
		if o.t("password") {
			s += " --password=" + o.s("password")
		}
		return s + "\n"
	}},

	"F9_ZeroMbr": {parse: func(c *ctx) error {
		if _, err := c.parseArgs(); err != nil {
			return err
		}
		c.o.a["zerombr"] = true
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("zerombr") {
			return ""
		}
		return "# Clear the Master Boot Record\nzerombr\n"
	}},

	"FC3_AutoStep": {parse: func(c *ctx) error {
		if err := parseSelf(c); err != nil {
			return err
		}
		c.o.a["autostep"] = true
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("autostep") {
			return ""
		}
		if o.t("autoscreenshot") {
			return "autostep --autoscreenshot\n"
		}
		return "autostep\n"
	}},

	"FC3_Cdrom": {parse: noArgs, str: func(o *cmdObj) string {
		if !o.seen {
			return ""
		}
		return "# Use CDROM installation media\ncdrom\n"
	}},

	"FC3_Firstboot": {parse: func(c *ctx) error {
		ns, err := c.parseArgs()
		if err != nil {
			return err
		}
		c.o.a["firstboot"] = ns["firstboot"]
		return nil
	}, str: func(o *cmdObj) string {
		switch f := o.get("firstboot"); {
		case f == nil:
			return ""
		case intIs(f, firstbootSkip):
			return "firstboot --disable\n"
		case intIs(f, firstbootDefault):
			return "# Run the Setup Agent on first boot\nfirstboot --enable\n"
		case intIs(f, firstbootReconfig):
			return "# Run the Setup Agent on first boot\nfirstboot --reconfig\n"
		}
		return ""
	}},

	"FC3_SELinux": {parse: parseSelf, str: func(o *cmdObj) string {
		sel := o.get("selinux")
		if sel == nil {
			return ""
		}
		s := "# SELinux configuration\n"
		switch {
		case intIs(sel, selinuxDisabled):
			s += "selinux --disabled\n"
		case intIs(sel, selinuxEnforcing):
			s += "selinux --enforcing\n"
		case intIs(sel, selinuxPermissive):
			s += "selinux --permissive\n"
		}
		return s
	}},

	"FC3_SkipX": {parse: func(c *ctx) error {
		if _, err := c.parseArgs(); err != nil {
			return err
		}
		c.o.a["skipx"] = true
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("skipx") {
			return ""
		}
		return "# Do not configure the X Window System\nskipx\n"
	}},

	"FC4_MediaCheck": {parse: func(c *ctx) error {
		if _, err := c.parseArgs(); err != nil {
			return err
		}
		c.o.a["mediacheck"] = true
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("mediacheck") {
			return ""
		}
		return "mediacheck\n"
	}},

	"FC6_IscsiName": {parse: func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		if len(extra) > 0 {
			return c.unexpected("iscsiname", extra)
		}
		if l, ok := ns["iqn"].([]string); ok && len(l) > 0 {
			c.o.a["iscsiname"] = l[0]
		}
		return nil
	}, str: func(o *cmdObj) string {
		if !o.t("iscsiname") {
			return ""
		}
		return "iscsiname " + o.s("iscsiname") + "\n"
	}},

	"FC6_NFS": {parse: parseSelf, str: func(o *cmdObj) string {
		if !o.seen {
			return ""
		}
		s := "# Use NFS installation media\nnfs --server=" + o.s("server") + " --dir=\"" + o.s("dir") + "\"\n"
		if o.t("opts") {
			s = pyRStrip(s) + " --opts=\"" + o.s("opts") + "\"\n"
		}
		return s
	}},

	"FC6_Services": {parse: func(c *ctx) error {
		if err := parseSelf(c); err != nil {
			return err
		}
		if !c.o.t("disabled") && !c.o.t("enabled") {
			return errf("One of --disabled or --enabled must be provided.")
		}
		return nil
	}, str: func(o *cmdObj) string {
		args := ""
		if o.t("disabled") {
			args += " --disabled=\"" + strings.Join(o.list_("disabled"), ",") + "\""
		}
		if o.t("enabled") {
			args += " --enabled=\"" + strings.Join(o.list_("enabled"), ",") + "\""
		}
		if args == "" {
			return ""
		}
		return "# System services\nservices" + args + "\n"
	}},

	"RHEL8_RHSM":  {parse: parseRHSM, str: strRHSM(false)},
	"RHEL10_RHSM": {parse: parseRHSM, str: strRHSM(true)},

	"RHEL8_Syspurpose":  {parse: parseSyspurpose, str: strSyspurpose},
	"RHEL10_Syspurpose": {parse: parseSyspurpose, str: strSyspurpose},

	"F29_Bootloader":   {parse: parseBootloader(false), str: strBootloader(false)}, // = RHEL8_Bootloader
	"F34_Bootloader":   {parse: parseBootloader(false), str: strBootloader(false)}, // = RHEL9_Bootloader
	"F39_Bootloader":   {parse: parseBootloader(true), str: strBootloader(true)},
	"RHEL8_Bootloader": {parse: parseBootloader(false), str: strBootloader(false)},
	"RHEL9_Bootloader": {parse: parseBootloader(false), str: strBootloader(false)},
}

// pykickstart.constants used by the commands.
const (
	ksWait, ksReboot, ksShutdown                                             = 0, 1, 2
	displayCmdline, displayGraphical, displayText                            = 0, 1, 2
	firstbootDefault, firstbootSkip, firstbootReconfig                       = 0, 1, 2
	selinuxDisabled, selinuxEnforcing, selinuxPermissive                     = 0, 1, 2
	clearpartLinux, clearpartAll, clearpartNone, clearpartList               = 0, 1, 2, 3
	secureBootDefault, secureBootDisabled, secureBootEnabled, secureBootAuto = -1, 0, 1, 2
)

// listParse is the parse of simple list commands: parse_args into a new
// data object, warning about duplicates by the data class's __eq__.
func listParse(check func(c *ctx, d *dataObj) error, dup func(c *ctx, d *dataObj)) func(c *ctx) error {
	return func(c *ctx) error {
		d := c.newData()
		ns, err := c.parseArgs()
		if err != nil {
			return err
		}
		setToObj(ns, d.a)
		if dup != nil && c.isDuplicate(d) {
			dup(c, d)
		}
		if check != nil {
			if err := check(c, d); err != nil {
				return err
			}
		}
		c.data = d
		return nil
	}
}

func parseDriverDiskFC4(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	part, _ := ns["partition"].([]string)
	src, bios := truthy(ns["source"]), truthy(ns["biospart"])
	switch {
	case len(part) > 1:
		return errf("Only one partition may be specified for driverdisk command.")
	case len(extra) > 0:
		return c.unexpected("driverdisk", extra)
	}
	switch {
	case len(part) > 0 && src:
		return errf("Only one of --source and partition may be specified for driverdisk command.")
	case len(part) > 0 && bios:
		return errf("Only one of --biospart and partition may be specified for driverdisk command.")
	case src && bios:
		return errf("Only one of --biospart and --source may be specified for driverdisk command.")
	}
	if len(part) == 0 && !src && !bios {
		return errf("One of --source, --biospart, or partition must be specified for driverdisk command.")
	}
	d := c.newData()
	setToObj(ns, d.a)
	if len(part) > 0 {
		d.a["partition"] = part[0]
	}
	c.data = d
	return nil
}

func strXConfigFC6(o *cmdObj) string {
	s := ""
	if o.has("driver") && o.t("driver") {
		s += " --driver=" + o.s("driver")
	}
	if o.t("defaultdesktop") {
		s += " --defaultdesktop=" + o.s("defaultdesktop")
	}
	if !intIs(o.get("depth"), 0) {
		s += " --depth=" + pyD(o.get("depth"))
	}
	if o.has("resolution") && o.t("resolution") {
		s += " --resolution=" + o.s("resolution")
	}
	if o.t("startX") {
		s += " --startxonboot"
	}
	if o.has("videoRam") && o.t("videoRam") {
		s += " --videoram=" + o.s("videoRam")
	}
	if s == "" {
		return ""
	}
	return "# X Window System configuration information\nxconfig " + s + "\n"
}

func parseZFCPF37(c *ctx) error {
	return listParse(func(c *ctx, d *dataObj) error {
		dev, wwpn, lun := d.t("devnum"), d.t("wwpn"), d.t("fcplun")
		if !(dev && !wwpn && !lun || dev && wwpn && lun) {
			return errf("Only --devnum or --devnum with --wwpn and --fcplun are allowed.")
		}
		return nil
	}, func(c *ctx, _ *dataObj) {
		c.warn("A zfcp with this information has already been defined.")
	})(c)
}

func parseKeyboardF18(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	c.setToSelf(ns)
	kbd, _ := ns["kbd"].([]string)
	switch {
	case len(kbd) > 1:
		return errf("A single argument is expected for the keyboard command")
	case len(extra) > 0:
		return c.unexpected("keyboard", extra)
	case len(kbd) == 0 && !c.o.t("vc_keymap") && !c.o.t("x_layouts"):
		return errf("One of --xlayouts, --vckeymap options with value(s) or argument is expected for the keyboard command")
	}
	if len(kbd) > 0 {
		c.o.a["_keyboard"] = kbd[0]
	}
	return nil
}

func strKeyboardF18(o *cmdObj) string {
	if !o.t("_keyboard") && !o.t("x_layouts") && !o.t("vc_keymap") {
		return ""
	}
	s := "# Keyboard layouts\n"
	if !o.t("vc_keymap") && !o.t("x_layouts") {
		return s + "keyboard '" + o.s("_keyboard") + "'\n"
	}
	if o.t("_keyboard") {
		s += "# old format: keyboard " + o.s("_keyboard") + "\n# new format:\n"
	}
	args := ""
	if o.t("vc_keymap") {
		args += " --vckeymap=" + o.s("vc_keymap")
	}
	if l := o.list_("x_layouts"); len(l) > 0 {
		args += " --xlayouts='" + strings.Join(l, "','") + "'"
	}
	if l := o.list_("switch_options"); len(l) > 0 {
		args += " --switch='" + strings.Join(l, "','") + "'"
	}
	return s + "keyboard" + args + "\n"
}

func parseRootPwF18(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	if !truthy(ns["password"]) && !truthy(ns["lock"]) {
		return errf("A single argument is expected for the rootpw command")
	}
	if len(extra) > 0 {
		return c.unexpected("rootpw", extra)
	}
	c.setToSelf(ns)
	return nil
}

func strRootPw(allowSSH bool) func(o *cmdObj) string {
	return func(o *cmdObj) string {
		s := ""
		if o.t("password") {
			pw := o.s("password")
			if strings.Contains(pw, "#") {
				pw = "\"" + pw + "\""
			}
			args := ""
			if o.t("isCrypted") {
				args += " --iscrypted"
			}
			if o.t("lock") {
				args += " --lock"
			}
			if !o.t("isCrypted") {
				args += " --plaintext"
			}
			if allowSSH && o.t("allow_ssh") {
				args += " --allow-ssh"
			}
			s = "# Root password\nrootpw" + args + " " + pw + "\n"
		}
		if s == "" && o.t("lock") {
			s = "#Root password\nrootpw --lock\n"
		}
		return s
	}
}

// parseRealm is F19_Realm's: "realm join [options] REALM", checked with
// getopt.
func parseRealm(c *ctx) error {
	if c.o.get("join_realm") != nil {
		return errf("The realm command 'join' should only be specified once")
	}
	toks, serr := shlexSplit(restOfLine(c), false)
	if serr != nil {
		return errf("Invalid realm arguments: %s", serr.msg)
	}
	args := tokenValues(toks)
	if len(args) == 0 {
		return errf("Missing realm command arguments")
	}
	if args[0] != "join" {
		return errf("Unsupported realm '%s' command", args[0])
	}
	args = args[1:]
	opts, remaining, err := getoptLong(args, []string{"client-software=", "server-software=", "membership-software=", "one-time-password=", "no-password", "computer-ou="})
	if err != nil {
		return errf("Invalid realm arguments: %s", err.Error())
	}
	if len(remaining) != 1 {
		return errf("Specify only one realm to join")
	}
	c.o.a["join_realm"] = remaining[0]
	c.o.a["join_args"] = append([]string{}, args...)
	var disc []string
	for _, o := range opts {
		switch o[0] {
		case "--client-software", "--server-software", "--membership-software":
			disc = append(disc, o[0]+"="+o[1])
		}
	}
	c.o.a["discover_options"] = disc
	return nil
}

// getoptLong is Python's getopt.getopt(args, "", longopts).
func getoptLong(args []string, longopts []string) ([][2]string, []string, error) {
	var opts [][2]string
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		if args[0] == "--" {
			return opts, args[1:], nil
		}
		if !strings.HasPrefix(args[0], "--") {
			return nil, nil, fmt.Errorf("option -%s not recognized", args[0][1:2])
		}
		opt, val, hasVal := strings.Cut(args[0][2:], "=")
		args = args[1:]
		var matches []string
		for _, lo := range longopts {
			if strings.HasPrefix(lo, opt) {
				matches = append(matches, lo)
			}
		}
		if len(matches) == 0 {
			return nil, nil, fmt.Errorf("option --%s not recognized", opt)
		}
		name, needs := "", false
		switch {
		case contains(matches, opt):
			name = opt
		case contains(matches, opt+"="):
			name, needs = opt, true
		case len(matches) > 1:
			return nil, nil, fmt.Errorf("option --%s not a unique prefix", opt)
		default:
			name = strings.TrimSuffix(matches[0], "=")
			needs = strings.HasSuffix(matches[0], "=")
		}
		if needs {
			if !hasVal {
				if len(args) == 0 {
					return nil, nil, fmt.Errorf("option --%s requires argument", opt)
				}
				val, args = args[0], args[1:]
			}
		} else if hasVal {
			return nil, nil, fmt.Errorf("option --%s must not have an argument", opt)
		}
		opts = append(opts, [2]string{"--" + name, val})
	}
	return opts, args, nil
}

func parseVolGroupF16(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	parts, _ := ns["partitions"].([]string)
	name, _ := ns["name"].([]string)
	if len(parts) == 0 {
		if len(extra) > 0 {
			parts, extra = extra, nil
			ns["partitions"] = parts
		} else if len(name) > 0 {
			parts = append([]string{}, name[1:]...)
			name = name[:1]
			ns["partitions"] = parts
			ns["name"] = name
		}
	}
	if !truthy(ns["format"]) {
		ns["preexist"] = true
	}
	d := c.newData()
	setToObj(ns, d.a)
	if len(name) == 0 {
		return errf("volgroup must be given a VG name")
	}
	pre := truthy(ns["preexist"])
	if len(parts) == 0 && !pre {
		return errf("volgroup must be given a list of partitions")
	} else if len(parts) > 0 && pre {
		return errf("Members may not be specified for preexisting volgroup")
	}
	d.a["vgname"] = name[0]
	if len(parts) > 0 {
		d.a["physvols"] = parts
	}
	if c.isDuplicate(d) {
		c.warn("A volgroup with the name %s has already been defined.", d.s("vgname"))
	}
	if rs, ok := d.a["reserved_space"].(*big.Int); ok && rs.Sign() < 0 {
		return errf("Volume group reserved space must be a positive integer.")
	}
	if rp, ok := d.a["reserved_percent"].(*big.Int); ok && (rp.Sign() <= 0 || rp.Cmp(big.NewInt(100)) >= 0) {
		return errf("Volume group reserved space percentage must be between 1 and 99.")
	}
	c.data = d
	return nil
}

func parseBTRFSF23(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	d := c.newData()
	setToObj(ns, d.a)
	if !d.t("format") {
		d.a["preexist"] = true
	} else if d.t("preexist") {
		d.a["format"] = false
	}
	if len(extra) == 0 {
		return errf("btrfs must be given a mountpoint")
	}
	for _, a := range extra {
		if strings.HasPrefix(a, "-") {
			return c.unexpected("btrfs", extra)
		}
	}
	mp, _ := typeFuncs["mountpoint"]("", extra[0])
	d.a["mountpoint"] = mp
	d.a["devices"] = append([]string{}, extra[1:]...)
	if len(extra) == 1 && !d.t("subvol") {
		return errf("btrfs must be given a list of partitions")
	} else if len(extra) == 1 {
		return errf("btrfs subvol requires specification of parent volume")
	}
	if d.t("subvol") && !d.t("name") {
		return errf("btrfs subvolume requires a name")
	}
	if c.isDuplicate(d) {
		c.warn("A btrfs volume with the mountpoint %s has already been defined.", d.s("mountpoint"))
	}
	if (d.t("preexist") || !d.t("format")) && d.t("mkfsopts") {
		return errf("--mkfsoptions with --noformat or --useexisting has no effect.")
	}
	c.data = d
	return nil
}

func parseTimezoneF25(c *ctx) error {
	ns, err := c.parseArgs()
	if err != nil {
		return err
	}
	c.setToSelf(ns)
	if len(c.args) == 0 {
		return errf("At least one option and/or an argument are expected for the timezone command")
	}
	tz, _ := ns["timezone"].([]string)
	if len(tz) == 1 {
		c.o.a["timezone"] = tz[0]
	} else if len(tz) > 1 {
		return errf("One or zero arguments are expected for the timezone command")
	}
	if c.o.t("ntpservers") && c.o.t("nontp") {
		return errf("Options --nontp and --ntpservers are mutually exclusive")
	}
	return nil
}

func parseTimezoneF32(c *ctx) error {
	if err := parseTimezoneF25(c); err != nil {
		return err
	}
	for _, a := range c.args {
		if a == "--isUtc" {
			c.deprecation("The option --isUtc will be deprecated in future releases. Please modify your kickstart file to replace this option with its preferred alias --utc.")
			break
		}
	}
	return nil
}

func parseTimezoneF33(c *ctx) error {
	if err := parseTimezoneF32(c); err != nil {
		return err
	}
	if c.o.t("ntpservers") {
		c.deprecation("The option --ntpservers will be deprecated in future releases. Please modify your kickstart file to replace this option with timesource --ntp-server <server hostname> command invocation, one per NTP server.")
	}
	if c.o.t("nontp") {
		c.deprecation("The option --nontp will be deprecated in future releases. Please modify your kickstart file to replace this option with timesource --ntp-disable command invocation.")
	}
	return nil
}

func strTimezone(utc string) func(o *cmdObj) string {
	return func(o *cmdObj) string {
		s := ""
		if o.t("timezone") {
			s += " " + o.s("timezone")
		}
		if o.t("isUtc") {
			s += " " + utc
		}
		if o.has("nontp") && o.t("nontp") {
			s += " --nontp"
		}
		if o.has("ntpservers") && o.t("ntpservers") {
			s += " --ntpservers=" + strings.Join(o.list_("ntpservers"), ",")
		}
		if s == "" {
			return ""
		}
		return "# System timezone\ntimezone" + s + "\n"
	}
}

func parseSnapshot(c *ctx) error {
	ns, err := c.parseArgs()
	if err != nil {
		return err
	}
	d := c.newData()
	setToObj(ns, d.a)
	for _, e := range c.o.list {
		if e.s("name") == d.s("name") {
			return errf("Snapshot with the name %s has been already defined!", d.s("name"))
		}
	}
	if d.get("when") == nil {
		return errf("Snapshot \"when\" parameter must be specified!")
	}
	g := strings.Split(d.s("origin"), "/")
	if len(g) != 2 || g[0] == "" || g[1] == "" {
		return errf("Snapshot origin %s must be specified by VG/LV!", d.s("origin"))
	}
	c.data = d
	return nil
}

func parseMount(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		return c.unexpected("mount", extra)
	}
	d := c.newData()
	setToObj(ns, d.a)
	dev, _ := ns["device"].([]string)
	mp, _ := ns["mntpoint"].([]string)
	if len(dev) > 0 {
		d.a["device"] = dev[0]
	}
	if len(mp) > 0 {
		d.a["mount_point"] = mp[0]
	}
	m := d.s("mount_point")
	if strings.ToLower(m) != "none" && !strings.HasPrefix(m, "/") {
		return errf("Invalid mount point '%s' given", m)
	}
	if rf, ok := d.a["reformat"].(bool); ok && !rf && d.t("mkfs_opts") {
		return errf("'--mkfsoptions' requires --reformat")
	}
	if rf := d.a["reformat"]; truthy(rf) {
		if b, ok := rf.(bool); !ok || !b {
			d.a["format"] = rf
			d.a["reformat"] = true
		}
	}
	c.data = d
	return nil
}

func parseNetworkF27(c *ctx) error {
	ns, err := c.parseArgs()
	if err != nil {
		return err
	}
	d := c.newData()
	setToObj(ns, d.a)
	if c.isDuplicate(d) {
		c.warn("A network device with the name %s has already been defined.", d.s("device"))
	}
	if d.t("bridgeopts") {
		if !d.t("bridgeslaves") {
			return errf("Option --bridgeopts requires --bridgeslaves to be specified")
		}
		for _, opt := range strings.Split(d.s("bridgeopts"), ",") {
			_, v, _ := strings.Cut(opt, "=")
			if v == "" || strings.Contains(v, "=") {
				return errf("Bad format of --bridgeopts, expecting key=value options separated by ','")
			}
		}
	}
	if d.t("noipv4") {
		d.a["bootProto"] = ""
	}
	if d.s("bindto") == "mac" && d.get("bindto") != nil && d.t("vlanid") && !d.t("bondopts") {
		return errf("--bindto=mac is not supported for this type of device")
	}
	c.data = d
	return nil
}

func parseNetworkF39(c *ctx) error {
	if err := parseNetworkF27(c); err != nil {
		return err
	}
	d := c.data
	if !d.t("device") {
		for _, o := range []struct{ attr, flag string }{
			{"ipv4_dns_search", "--ipv4-dns-search"}, {"ipv6_dns_search", "--ipv6-dns-search"},
			{"ipv4_ignore_auto_dns", "--ipv4-ignore-auto-dns"}, {"ipv6_ignore_auto_dns", "--ipv6-ignore-auto-dns"},
		} {
			if d.t(o.attr) {
				c.data = nil
				return errf("Option %s requires --device to be specified", o.flag)
			}
		}
	}
	return nil
}

func strNetwork(o *cmdObj) string {
	s := renderList(o)
	if s == "" {
		return ""
	}
	return "# Network information\n" + s
}

func strClearPartF28(o *cmdObj) string {
	t := o.get("type")
	if t == nil {
		return ""
	}
	clear := ""
	switch {
	case intIs(t, clearpartNone):
		clear = " --none"
	case intIs(t, clearpartLinux):
		clear = " --linux"
	case intIs(t, clearpartAll):
		clear = " --all"
	}
	init := ""
	if o.t("initAll") {
		init = " --initlabel"
	}
	drives := ""
	if o.t("drives") {
		drives = " --drives=" + strings.Join(o.list_("drives"), ",")
	}
	s := "# Partition clearing information\nclearpart" + clear + init + drives + "\n"
	if o.t("devices") {
		s = pyRStrip(s) + " --list=" + strings.Join(o.list_("devices"), ",") + "\n"
	}
	if o.t("disklabel") {
		s = pyRStrip(s) + " --disklabel=" + o.s("disklabel") + "\n"
	}
	if o.t("cdl") {
		s = pyRStrip(s) + " --cdl\n"
	}
	return s
}

func parseFcoe(c *ctx) error {
	return listParse(nil, func(c *ctx, d *dataObj) {
		c.warn("A FCOE device with the name %s has already been defined.", d.s("nic"))
	})(c)
}

func strFirewallF28(o *cmdObj) string {
	if o.t("use_system_defaults") {
		return "# Firewall configuration\nfirewall --use-system-defaults\n"
	}
	en := o.get("enabled")
	if en == nil {
		return ""
	}
	if !truthy(en) {
		return "# Firewall configuration\nfirewall --disabled\n"
	}
	var extra, filtered []string
	for _, p := range o.list_("ports") {
		switch p {
		case "ssh:tcp":
			extra = append(extra, " --ssh")
		case "telnet:tcp":
			extra = append(extra, " --telnet")
		case "smtp:tcp":
			extra = append(extra, " --smtp")
		case "http:tcp":
			extra = append(extra, " --http")
		case "ftp:tcp":
			extra = append(extra, " --ftp")
		default:
			filtered = append(filtered, p)
		}
	}
	ports := ""
	if len(filtered) > 0 && strings.Join(filtered, ",") != "" {
		ports = " --port=" + strings.Join(filtered, ",")
	}
	trust := ""
	if t := strings.Join(o.list_("trusts"), ","); t != "" {
		trust = " --trust=" + t
	}
	s := "# Firewall configuration\nfirewall --enabled" + strings.Join(extra, "") + ports + trust
	if svc := strings.Join(o.list_("services"), ","); svc != "" {
		s += " --service=" + svc
	}
	if rm := strings.Join(o.list_("remove_services"), ","); rm != "" {
		s += " --remove-service=" + rm
	}
	return s + "\n"
}

func parseNvdimm(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		return errf("Unexpected arguments to nvdimm command: %s", pyStr(extra))
	}
	d := c.newData()
	setToObj(ns, d.a)
	act := ""
	if l, ok := ns["action"].([]string); ok && len(l) > 0 {
		act = l[0]
	}
	d.a["action"] = act
	if d.t("namespace") && d.t("blockdevs") {
		return errf("Only one of --namespace and --blockdevs device specifications can be used")
	}
	if c.isDuplicate(d) {
		if d.t("namespace") {
			c.warn("An action %s on namespace %s has already been defined.", act, d.s("namespace"))
		}
		if d.t("blockdevs") {
			c.warn("An action %s on devices %s has already been defined.", act, d.s("blockdevs"))
		}
	}
	switch act {
	case "reconfigure":
		if !d.t("namespace") {
			return errf("Action %s requires --namespace argument to be set", act)
		}
		if d.s("mode") == "sector" && !d.t("sectorsize") {
			return errf("Action %s with mode %s requires --sectorsize argument to be set", act, d.s("mode"))
		}
	case "use":
		if !d.t("namespace") && !d.t("blockdevs") {
			return errf("Action %s requires --namespace or --blockdevs argument to be set", act)
		}
	}
	c.data = d
	return nil
}

func parseIgnoreDiskF8(c *ctx) error {
	if err := parseSelf(c); err != nil {
		return err
	}
	n := 0
	if c.o.t("ignoredisk") {
		n++
	}
	if c.o.t("onlyuse") {
		n++
	}
	if n != 1 {
		return errf("One of --drives or --only-use must be specified for ignoredisk command.")
	}
	return nil
}

func strIgnoreDisk(o *cmdObj) string {
	s := ""
	if o.t("ignoredisk") {
		s = "ignoredisk --drives=" + strings.Join(o.list_("ignoredisk"), ",") + "\n"
	} else if o.t("onlyuse") {
		s = "ignoredisk --only-use=" + strings.Join(o.list_("onlyuse"), ",") + "\n"
	}
	if o.t("interactive") {
		s = "ignoredisk --interactive\n"
	}
	return s
}

func parseLogVol(noBtrfs bool) func(c *ctx) error {
	return func(c *ctx) error {
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
		// F17
		if d.t("resize") && !d.t("preexist") {
			return errf("--resize can only be used in conjunction with --useexisting")
		}
		if d.t("resize") && !d.t("size") {
			return errf("--resize requires --size to indicate new size")
		}
		// F20
		if d.t("thin_volume") && d.t("thin_pool") {
			return errf("--thin and --thinpool cannot both be specified for the same logvol")
		}
		if d.t("thin_volume") && !d.t("pool_name") {
			return errf("--thin requires --poolname to specify pool name")
		}
		if (d.t("chunk_size") || d.t("metadata_size")) && !d.t("thin_pool") {
			return errf("--chunksize and --metadatasize are for thin pools only")
		}
		if !d.t("preexist") && !d.t("percent") && !d.t("size") && !d.t("recommended") && !d.t("hibernation") {
			return errf("No size given for logical volume. Use one of --useexisting, --noformat, --size, --percent, or --hibernation.")
		}
		if p, ok := d.a["percent"].(*big.Int); ok && (p.Sign() < 0 || p.Cmp(big.NewInt(100)) > 0) {
			return errf("Percentage must be between 0 and 100.")
		}
		// F21
		if d.t("size") && d.t("percent") {
			return errf("--size and --percent cannot both be specified for the same logvol")
		}
		// F23
		if d.t("cache_size") || d.t("cache_mode") || d.t("cache_pvs") {
			if d.t("preexist") {
				return errf("Adding a cache to an existing logical volume is not supported")
			}
			if d.t("thin_volume") {
				return errf("Thin volumes cannot be cached")
			}
			if !d.t("cache_pvs") {
				return errf("Cache needs to have a list of (fast) PVs specified")
			}
			if !d.t("cache_size") {
				return errf("Cache needs to have size specified")
			}
			if m := d.s("cache_mode"); d.t("cache_mode") && m != "writeback" && m != "writethrough" {
				return errf("Invalid cache mode given: %s", m)
			}
		}
		if !d.t("format") && d.t("mkfsopts") {
			return errf("--mkfsoptions with --noformat has no effect.")
		}
		if d.t("fsprofile") && d.t("mkfsopts") {
			return errf("--mkfsoptions and --fsprofile cannot be used together.")
		}
		// F29
		if d.t("pbkdf_time") && d.t("pbkdf_iterations") {
			return errf("Only one of --pbkdf-time and --pbkdf-iterations can be specified.")
		}
		if noBtrfs && d.s("fstype") == "btrfs" {
			return errf("Btrfs file system is not supported")
		}
		c.data = d
		return nil
	}
}

func parseRaid(noBtrfs bool) func(c *ctx) error {
	return func(c *ctx) error {
		ns, extra, err := c.parseKnown()
		if err != nil {
			return err
		}
		for _, a := range extra {
			if strings.HasPrefix(a, "-") {
				return c.unexpected("raid", extra)
			}
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
		if d.t("preexist") && d.s("device") == "" && d.get("device") != nil {
			return errf("Device required for preexisting RAID device")
		}
		if !d.t("format") && d.t("mkfsopts") {
			return errf("--mkfsoptions with --noformat has no effect.")
		}
		if d.t("fsprofile") && d.t("mkfsopts") {
			return errf("--mkfsoptions and --fsprofile cannot be used together.")
		}
		if d.t("pbkdf_time") && d.t("pbkdf_iterations") {
			return errf("Only one of --pbkdf-time and --pbkdf-iterations can be specified.")
		}
		if noBtrfs && d.s("fstype") == "btrfs" {
			return errf("Btrfs file system is not supported")
		}
		c.data = d
		return nil
	}
}

func parseUrlF18(c *ctx) error {
	ns, err := c.parseArgs()
	if err != nil {
		return err
	}
	c.setToSelf(ns)
	var used []string
	for _, o := range []struct{ attr, flag string }{{"mirrorlist", "--mirrorlist"}, {"url", "--url"}, {"metalink", "--metalink"}} {
		if truthy(ns[o.attr]) {
			used = append(used, o.flag)
		}
	}
	if len(used) == 0 {
		return errf("One of --mirrorlist, --url, --metalink options must be specified for url command.")
	}
	if len(used) > 1 {
		return errf("Only one of %s options may be specified for url command.", strings.Join(used, ", "))
	}
	return nil
}

func strUrlF30(o *cmdObj) string {
	if !o.seen {
		return ""
	}
	s := "# Use network installation\n"
	switch {
	case o.t("url"):
		s += "url --url=\"" + o.s("url") + "\""
	case o.t("mirrorlist"):
		s += "url --mirrorlist=\"" + o.s("mirrorlist") + "\""
	case o.t("metalink"):
		s += "url --metalink=\"" + o.s("metalink") + "\""
	}
	if o.t("proxy") {
		s += " --proxy=\"" + o.s("proxy") + "\""
	}
	if o.t("noverifyssl") {
		s += " --noverifyssl"
	}
	for _, k := range []string{"sslcacert", "sslclientcert", "sslclientkey"} {
		if o.t(k) {
			s += " --" + k + "=\"" + o.s(k) + "\""
		}
	}
	return s + "\n"
}

func parseModule(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		return errf("The enable module command does not take position arguments!")
	}
	d := c.newData()
	setToObj(ns, d.a)
	c.data = d
	return nil
}

func strZipl(o *cmdObj) string {
	sb := o.get("secure_boot")
	if intIs(sb, secureBootDefault) {
		return ""
	}
	s := "# ZIPL configuration\nzipl"
	switch {
	case intIs(sb, secureBootAuto):
		s += " --secure-boot"
	case intIs(sb, secureBootEnabled):
		s += " --force-secure-boot"
	case intIs(sb, secureBootDisabled):
		s += " --no-secure-boot"
	}
	return s + "\n"
}

func parseRepo(c *ctx) error {
	ns, err := c.parseArgs()
	if err != nil {
		return err
	}
	var used []string
	for _, o := range []struct{ attr, flag string }{{"mirrorlist", "--mirrorlist"}, {"baseurl", "--baseurl"}, {"metalink", "--metalink"}} {
		if truthy(ns[o.attr]) {
			used = append(used, o.flag)
		}
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

func parseTimesource(c *ctx) error {
	d := c.newData()
	ns, err := c.parseArgs()
	if err != nil {
		return err
	}
	setToObj(ns, d.a)
	var used []string
	for _, o := range []struct{ attr, flag string }{{"ntp_server", "--ntp-server"}, {"ntp_pool", "--ntp-pool"}, {"ntp_disable", "--ntp-disable"}} {
		if truthy(ns[o.attr]) {
			used = append(used, o.flag)
		}
	}
	if len(used) == 0 {
		return errf("One of --ntp-server, --ntp-pool, --ntp-disable options must be specified for timesource command.")
	}
	if len(used) > 1 {
		return errf("Only one of %s options may be specified for timesource command.", strings.Join(used, ", "))
	}
	c.data = d
	return nil
}

func parseLoggingFC6(c *ctx) error {
	if err := parseSelf(c); err != nil {
		return err
	}
	if c.o.t("port") && !c.o.t("host") {
		return errf("Can't specify --port without --host.")
	}
	c.o.a["_level_provided"] = true
	return nil
}

func strLoggingF34(o *cmdObj) string {
	if !o.t("host") {
		return ""
	}
	s := "# Installation logging level\nlogging --host=" + o.s("host")
	if o.t("port") {
		s += " --port=" + o.s("port")
	}
	return s + "\n"
}

func parsePartition(noBtrfs, hwPassphrase bool) func(c *ctx) error {
	return func(c *ctx) error {
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
		// F17
		if d.t("resize") && !d.t("onPart") {
			return errf("--resize can only be used in conjunction with --onpart")
		}
		if d.t("resize") && !d.t("size") {
			return errf("--resize requires --size to specify new size")
		}
		// F20
		if d.s("fstype") == "tmpfs" && (d.t("grow") || !intIs(d.get("maxSizeMB"), 0)) {
			return errf("The --fstype=tmpfs option can't be used together with --grow or --maxsize")
		}
		// F23
		if !d.t("format") && d.t("mkfsopts") {
			return errf("--mkfsoptions with --noformat has no effect.")
		}
		if d.t("fsprofile") && d.t("mkfsopts") {
			return errf("--mkfsoptions and --fsprofile cannot be used together.")
		}
		// F29
		if d.t("pbkdf_time") && d.t("pbkdf_iterations") {
			return errf("Only one of --pbkdf-time and --pbkdf-iterations can be specified.")
		}
		// F41, then RHEL's btrfs check (RHEL11_Partition.parse calls
		// F41_Partition.parse first).
		if hwPassphrase && d.t("hw_passphrase") && (!d.t("encrypted") || !strings.HasPrefix(d.s("luks_version"), "luks2-")) {
			return errf("hw-passphrase may be specified only with LUKSv2 HW-OPAL encrypted devices")
		}
		if noBtrfs && (strings.HasPrefix(d.s("mountpoint"), "btrfs.") || d.s("fstype") == "btrfs") {
			return errf("Btrfs file system is not supported")
		}
		c.data = d
		return nil
	}
}

func strPartition(o *cmdObj) string {
	s := renderList(o)
	if s == "" {
		return ""
	}
	return "# Disk partitioning information\n" + s
}

func parseAutoPart(noBtrfs, hwPassphrase bool) func(c *ctx) error {
	return func(c *ctx) error {
		if err := parseSelf(c); err != nil {
			return err
		}
		o := c.o
		o.a["autopart"] = true
		o.a["lvm"] = true
		if o.s("fstype") == "btrfs" {
			return errf("autopart --fstype=btrfs is not valid fstype, use --type=btrfs instead")
		}
		if autopartTypeName(o.get("type")) == "btrfs" && o.t("fstype") {
			return errf("autopart --fstype cannot be used with --type=btrfs")
		}
		if o.t("pbkdf_time") && o.t("pbkdf_iterations") {
			return errf("Only one of --pbkdf-time and --pbkdf-iterations can be specified.")
		}
		if o.has("hibernation") && o.t("hibernation") && o.t("noswap") {
			return errf("Only one of --noswap and --hibernation can be specified.")
		}
		if noBtrfs && autopartTypeName(o.get("type")) == "btrfs" {
			return errf("autopart --type=btrfs is not supported")
		}
		if hwPassphrase && o.t("hw_passphrase") && (!o.t("encrypted") || !strings.HasPrefix(o.s("luks_version"), "luks2-")) {
			return errf("hw-passphrase may be specified only with LUKSv2 HW-OPAL encrypted devices")
		}
		return nil
	}
}

// autopartTypeName is F17_AutoPart._typeAsStr.
func autopartTypeName(t Value) string {
	switch {
	case t == nil:
		return ""
	case intIs(t, autopartLVM):
		return "lvm"
	case intIs(t, autopartBtrfs):
		return "btrfs"
	case intIs(t, autopartPlain):
		return "plain"
	case intIs(t, autopartThinp):
		return "thinp"
	}
	return ""
}

func strAutoPart(o *cmdObj) string {
	if !o.t("autopart") {
		return ""
	}
	s := "autopart"
	enc := o.t("encrypted")
	if enc {
		s += " --encrypted"
		if o.t("passphrase") {
			s += " --passphrase=\"" + o.s("passphrase") + "\""
		}
	}
	if enc && o.t("escrowcert") {
		s += " --escrowcert=\"" + o.s("escrowcert") + "\""
		if o.t("backuppassphrase") {
			s += " --backuppassphrase"
		}
	}
	if !o.t("lvm") {
		s += " --nolvm"
	}
	if ty := autopartTypeName(o.get("type")); ty != "" {
		s += " --type=" + ty
	}
	if enc && o.t("cipher") {
		s += " --cipher=\"" + o.s("cipher") + "\""
	}
	if o.t("fstype") {
		s += " --fstype=" + o.s("fstype")
	}
	for _, f := range []struct{ attr, flag string }{{"nohome", " --nohome"}, {"noboot", " --noboot"}, {"noswap", " --noswap"}} {
		if o.t(f.attr) {
			s += f.flag
		}
	}
	for _, f := range []struct{ attr, flag string }{{"luks_version", "--luks-version"}, {"pbkdf", "--pbkdf"}, {"pbkdf_memory", "--pbkdf-memory"}, {"pbkdf_time", "--pbkdf-time"}, {"pbkdf_iterations", "--pbkdf-iterations"}} {
		if enc && o.t(f.attr) {
			s += " " + f.flag + "=" + o.s(f.attr)
		}
	}
	if o.has("hibernation") && o.t("hibernation") {
		s += " --hibernation"
	}
	if o.has("hw_passphrase") && enc && o.t("hw_passphrase") {
		s += " --hw-passphrase=\"" + o.s("hw_passphrase") + "\""
	}
	return s + "\n"
}

func parseOSTreeContainer(c *ctx) error {
	if err := parseSelf(c); err != nil {
		return err
	}
	if !c.o.t("remote") {
		c.o.a["remote"] = c.o.get("stateroot")
	}
	return nil
}

func strOSTreeContainer(o *cmdObj) string {
	if !o.seen {
		return ""
	}
	var r []string
	if o.t("stateroot") {
		r = append(r, "--stateroot=\""+o.s("stateroot")+"\"")
	}
	if o.t("remote") {
		r = append(r, "--remote=\""+o.s("remote")+"\"")
	}
	if o.t("noSignatureVerification") {
		r = append(r, "--no-signature-verification")
	}
	if o.t("transport") {
		r = append(r, "--transport=\""+o.s("transport")+"\"")
	}
	if o.t("url") {
		r = append(r, "--url=\""+o.s("url")+"\"")
	}
	return "# OSTree container setup\nostreecontainer " + strings.Join(r, " ") + "\n"
}

func parseOSTreeSetup(c *ctx) error {
	if err := parseSelf(c); err != nil {
		return err
	}
	if !c.o.t("remote") {
		c.o.a["remote"] = c.o.get("osname")
	}
	u := c.o.s("url")
	if !strings.HasPrefix(u, "file:") && !strings.HasPrefix(u, "http:") && !strings.HasPrefix(u, "https:") {
		return errf("ostree repos must use file, HTTP or HTTPS protocol.")
	}
	return nil
}

func strOSTreeSetup(o *cmdObj) string {
	if !o.seen || !o.t("osname") {
		return ""
	}
	var r []string
	for _, k := range []string{"osname", "remote", "url", "ref"} {
		if o.t(k) {
			r = append(r, "--"+k+"=\""+o.s(k)+"\"")
		}
	}
	if o.t("nogpg") {
		r = append(r, "--nogpg")
	}
	return "# OSTree setup\nostreesetup " + strings.Join(r, " ") + "\n"
}

func parseBootc(c *ctx) error {
	if err := parseSelf(c); err != nil {
		return err
	}
	if !c.o.t("targetImgRef") {
		c.o.a["targetImgRef"] = c.o.get("sourceImgRef")
	}
	return nil
}

func strBootc(f45 bool) func(o *cmdObj) string {
	return func(o *cmdObj) string {
		if !o.seen {
			return ""
		}
		var r []string
		if o.t("stateroot") {
			r = append(r, "--stateroot=\""+o.s("stateroot")+"\"")
		}
		if o.t("sourceImgRef") {
			r = append(r, "--source-imgref=\""+o.s("sourceImgRef")+"\"")
		}
		if o.t("targetImgRef") {
			r = append(r, "--target-imgref=\""+o.s("targetImgRef")+"\"")
		}
		args := strings.Join(r, " ")
		if f45 {
			if o.t("bootloader") {
				args += " --bootloader=\"" + o.s("bootloader") + "\""
			}
			if o.t("composefs") {
				args += " --composefs"
			}
		}
		return "# Bootc setup\nbootc " + args + "\n"
	}
}

func parseRHSM(c *ctx) error {
	ns, err := c.parseArgs()
	if err != nil {
		return err
	}
	keys, _ := ns["activation_keys"].([]string)
	for _, k := range keys {
		if k == "" {
			return errf("Empty string is not a valid activation key.")
		}
	}
	c.setToSelf(ns)
	return nil
}

func strRHSM(rhel10 bool) func(o *cmdObj) string {
	return func(o *cmdObj) string {
		has := o.t("organization") || o.t("activation_keys") || o.t("proxy") || o.t("server_hostname") || o.t("rhsm_baseurl")
		if rhel10 {
			has = has || o.t("flatpak_registry_url")
		}
		if !has {
			return ""
		}
		s := "# Red Hat Subscription Manager\nrhsm"
		if o.t("organization") {
			s += " --organization=\"" + o.s("organization") + "\""
		}
		for _, k := range o.list_("activation_keys") {
			s += " --activation-key=\"" + k + "\""
		}
		if o.t("connect_to_insights") {
			s += " --connect-to-insights"
		}
		for _, f := range []struct{ attr, flag string }{{"proxy", "--proxy"}, {"server_hostname", "--server-hostname"}, {"rhsm_baseurl", "--rhsm-baseurl"}} {
			if o.t(f.attr) {
				s += " " + f.flag + "=\"" + o.s(f.attr) + "\""
			}
		}
		if rhel10 && o.t("flatpak_registry_url") {
			s += " --flatpak-registry-url=\"" + o.s("flatpak_registry_url") + "\""
		}
		return s + "\n"
	}
}

func parseSyspurpose(c *ctx) error {
	ns, extra, err := c.parseKnown()
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		return errf("The syspurpose command does not take positional arguments!")
	}
	c.setToSelf(ns)
	return nil
}

func strSyspurpose(o *cmdObj) string {
	if !o.t("role") && !o.t("sla") && !o.t("usage") && !o.t("addons") {
		return ""
	}
	s := "# Intended system purpose\nsyspurpose"
	for _, k := range []string{"role", "sla", "usage"} {
		if o.t(k) {
			s += " --" + k + "=\"" + o.s(k) + "\""
		}
	}
	for _, a := range o.list_("addons") {
		s += " --addon=\"" + a + "\""
	}
	return s + "\n"
}

func parseBootloader(f39 bool) func(c *ctx) error {
	return func(c *ctx) error {
		ns, err := c.parseArgs()
		if err != nil {
			return err
		}
		if truthy(ns["_md5pass"]) {
			ns["password"] = ns["_md5pass"]
			ns["isCrypted"] = true
			delete(ns, "_md5pass")
		}
		c.setToSelf(ns)
		if strings.Contains(c.o.s("bootDrive"), ",") {
			return errf("--boot-drive accepts only one argument")
		}
		if f39 && c.o.t("sdboot") && c.o.t("extlinux") {
			return errf("Only one of --sdboot and --extlinux may be specified for bootloader command.")
		}
		return nil
	}
}

func strBootloader(f39 bool) func(o *cmdObj) string {
	return func(o *cmdObj) string {
		if !o.t("location") {
			return ""
		}
		return "# System bootloader configuration\nbootloader" + bootloaderArgs(o, f39) + "\n"
	}
}

// bootloaderArgs is F39_Bootloader._getArgsAsStr and, without sdboot,
// F21_Bootloader's.
func bootloaderArgs(o *cmdObj, f39 bool) string {
	if o.t("disabled") {
		return " --disabled"
	}
	s := ""
	if o.t("appendLine") {
		s += " --append=\"" + o.s("appendLine") + "\""
	}
	if o.t("location") {
		s += " --location=" + o.s("location")
	}
	if o.has("forceLBA") && o.t("forceLBA") {
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
	if o.get("timeout") != nil {
		s += " --timeout=" + pyD(o.get("timeout"))
	}
	if o.t("default") {
		s += " --default=" + o.s("default")
	}
	if o.t("isCrypted") {
		s += " --iscrypted"
	}
	if o.t("bootDrive") {
		s += " --boot-drive=" + o.s("bootDrive")
	}
	if o.t("leavebootorder") {
		s += " --leavebootorder"
	}
	if o.t("extlinux") {
		s += " --extlinux"
	}
	if o.t("nombr") {
		s += " --nombr"
	}
	if f39 && o.t("sdboot") {
		s += " --sdboot"
	}
	return s
}
