package events_test

import (
	"fmt"

	"github.com/sfnlocal/sfnlocal/services/events"
)

// Events put are kept and can be read back per bus.
func ExampleService_PutEvents() {
	s := events.New(events.Config{Region: "us-east-1", AccountID: "111111111111"})
	res, failed, err := s.PutEvents([]events.Entry{
		{Source: "app", DetailType: "created", Detail: `{"id":1}`, HasDetail: true},
		{Source: "app", DetailType: "created", Detail: `"not an object"`, HasDetail: true},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(failed, res[1].ErrorCode, len(s.Events(events.DefaultBus)))
	// Output: 1 MalformedDetail 1
}
