package upload

// Hooks for the external tests.
var (
	NoLink         = &noLink
	CopyProgress   = &copyProgress
	BeforeAssemble = &beforeAssemble
	ParseOCI       = parseOCI
	ReadPackages   = readPackages
)
