package api_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
)

// Mount the Step Functions API next to other services on one handler, and call it without a
// socket through HTTPClient.
func Example() {
	svc, err := api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{Logger: zap.NewNop()}),
		Region: "eu-west-1",
	})
	if err != nil {
		panic(err)
	}
	defer svc.Close()
	sfnHandler := svc.Handler()
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if api.IsStepFunctionsRequest(r) {
			sfnHandler.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r) // other services go here
	})
	_ = root

	req, _ := http.NewRequest(http.MethodPost, "http://localhost:8083/", strings.NewReader(
		`{"name":"hello","roleArn":"arn:aws:iam::123456789012:role/r","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"}`))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.CreateStateMachine")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := svc.HTTPClient().Do(req)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, strings.Split(string(body), `,"creationDate"`)[0])
	// Output: 200 {"stateMachineArn":"arn:aws:states:eu-west-1:123456789012:stateMachine:hello"
}
