// Package deps holds no code: its test keeps the dependency rules written
// in doc/architecture.md ("Packages and who knows whom"), by running go
// list over the packages and failing on a forbidden import.
package deps
