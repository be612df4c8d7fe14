package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/console"
)

// A console is created before the Step Functions service, whose Observers must include the
// console's (it wakes the live pages), and configured with the service once it exists.
func ExampleNew() {
	con := console.New(console.Config{})
	svc, err := api.New(api.Options{
		Engine:    api.InterpreterEngine(api.InterpreterConfig{}),
		Observers: []api.Observer{con.Observer()},
	})
	if err != nil {
		panic(err)
	}
	defer svc.Close()
	con.Configure(svc, nil, nil)

	rec := httptest.NewRecorder()
	con.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ui/", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output: 200 text/html; charset=utf-8
}
