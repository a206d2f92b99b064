package kojiexport

// PresetValue is presetValue, for the external tests.
var PresetValue = presetValue
