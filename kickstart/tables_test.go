package kickstart

import (
	"strings"
	"testing"
)

// Every command class a supported version uses has its behaviour written,
// and so has every data class.
func TestEveryClassImplemented(t *testing.T) {
	for v, h := range pyHandlers {
		for name, cn := range h.commands {
			cls := pyClasses[cn]
			if cls == nil {
				t.Errorf("%v %s: class %s not in the tables", v, name, cn)
				continue
			}
			if cls.status != statusNormal {
				continue
			}
			impl, ok := implOf(cn)
			if !ok {
				t.Errorf("%v %s: no behaviour for %s", v, name, cn)
				continue
			}
			if impl.str == nil && !strings.HasSuffix(cn, "_Method") {
				t.Errorf("%v %s: %s has no __str__", v, name, cn)
			}
			if impl.parse == nil && !strings.HasSuffix(cn, "_Method") {
				t.Errorf("%v %s: %s has no parse", v, name, cn)
			}
		}
		for key, dc := range h.data {
			if _, ok := dataImplOf(dc); !ok {
				t.Errorf("%v %s: no behaviour for data class %s", v, key, dc)
			}
			if _, ok := pyDataClasses[dc]; !ok {
				t.Errorf("%v %s: data class %s not in the tables", v, key, dc)
			}
		}
	}
}

// methodProxy are the method classes: proxies to cdrom, harddrive, nfs,
// url (...) with neither parse nor __str__ of their own.
var methodProxy = map[string]bool{"F19_Method": true, "F28_Method": true, "RHEL7_Method": true}
