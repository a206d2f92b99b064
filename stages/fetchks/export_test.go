package fetchks

// SetLimits lowers the download and unpack limits for a test.
func SetLimits(download, unpacked int64) (restore func()) {
	d, u := maxDownload, maxUnpacked
	maxDownload, maxUnpacked = download, unpacked
	return func() { maxDownload, maxUnpacked = d, u }
}
