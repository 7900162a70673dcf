// Package deps holds no code: its test keeps the dependency rules of the
// project's style guide (../shared/STYLE.md, "Dependency direction,
// enforced") and of doc/architecture.md, by running go list over the
// packages and failing on a forbidden import.
package deps
