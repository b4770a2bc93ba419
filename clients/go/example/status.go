package main

import v1 "github.com/gradnoise/gradnoise/clients/go/gradnoisev1"

// completed says whether a run's terminal status is RUN_STATUS_COMPLETED. The one place the example
// names a RunStatus value, compared as the generated constant rather than by its text.
func completed(s v1.RunStatus) bool {
	return s == v1.RunStatus_RUN_STATUS_COMPLETED
}
