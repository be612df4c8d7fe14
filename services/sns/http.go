package sns

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
)

const xmlns = "http://sns.amazonaws.com/doc/2010-03-31/"

// MessagesPath is where published messages can be read back as JSON.
const MessagesPath = "/_sfnlocal/sns/messages"

// IsSNSRequest tells whether r is an SNS query-protocol call (a form POST whose Action is one
// of the operations served here) or a read of the published messages.
func IsSNSRequest(r *http.Request) bool {
	if r.URL.Path == MessagesPath {
		return true
	}
	// The SubscribeURL and UnsubscribeURL of messages are GETs with the action in the query.
	if r.Method == http.MethodGet && r.URL.Path == "/" {
		switch r.URL.Query().Get("Action") {
		case "ConfirmSubscription", "Unsubscribe":
			return true
		}
	}
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "" {
		return false
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return false
	}
	// Signed requests carry the service in the credential scope; unsigned ones are judged by
	// their Action alone in Handler.
	auth := r.Header.Get("Authorization")
	return auth == "" || strings.Contains(auth, "/sns/")
}

// Handler serves the SNS query API and the published-messages endpoint.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == MessagesPath {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"Messages": s.Messages(r.URL.Query().Get("TopicArn"))})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			writeError(w, &Error{Status: 400, Code: "MalformedQueryString", Message: "could not parse the request body"})
			return
		}
		requestID := uuid.NewString()
		form := r.PostForm
		if r.Method == http.MethodGet {
			form = r.Form
		}
		action := form.Get("Action")
		region := s.cfg.Region // unsigned requests: the default region
		if sc, ok := awsproto.ScopeOf(r); ok {
			region = sc.Region
		}
		result, err := s.dispatch(region, action, form)
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				s.cfg.Logger.Error("sns request failed", zap.Error(err))
				e = &Error{Status: 500, Code: "InternalError", Message: err.Error()}
			}
			writeErrorID(w, e, requestID)
			return
		}
		body := responseXML(action, result, requestID)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("x-amzn-RequestId", requestID)
		_, _ = w.Write(body)
	})
}

// dispatch runs action for a request signed for region (the region of the topics it creates
// and lists).
func (s *Service) dispatch(region, action string, f url.Values) (any, error) {
	switch action {
	case "CreateTopic":
		arn, err := s.CreateTopicIn(region, f.Get("Name"), entries(f, "Attributes", "key", "value"))
		return struct {
			XMLName  xml.Name
			TopicArn string
		}{resultName(action), arn}, err
	case "DeleteTopic":
		return nil, s.DeleteTopic(f.Get("TopicArn"))
	case "ListTopics":
		type member struct{ TopicArn string }
		var ms []member
		for _, arn := range s.TopicsIn(region) {
			ms = append(ms, member{arn})
		}
		return struct {
			XMLName xml.Name
			Topics  []member `xml:"Topics>member"`
		}{resultName(action), ms}, nil
	case "GetTopicAttributes":
		attrs, err := s.topicAttributes(f.Get("TopicArn"))
		if err != nil {
			return nil, err
		}
		return struct {
			XMLName    xml.Name
			Attributes []entry `xml:"Attributes>entry"`
		}{resultName(action), sortedEntries(attrs)}, nil
	case "Publish":
		in := PublishInput{
			TopicArn: f.Get("TopicArn"), TargetArn: f.Get("TargetArn"), Message: f.Get("Message"), Subject: f.Get("Subject"),
			MessageGroupID: f.Get("MessageGroupId"), MessageDeduplicationID: f.Get("MessageDeduplicationId"),
		}
		for i := 1; ; i++ {
			p := fmt.Sprintf("MessageAttributes.entry.%d.", i)
			name := f.Get(p + "Name")
			if name == "" {
				break
			}
			if in.MessageAttributes == nil {
				in.MessageAttributes = map[string]MessageAttribute{}
			}
			in.MessageAttributes[name] = MessageAttribute{DataType: f.Get(p + "Value.DataType"), StringValue: f.Get(p + "Value.StringValue"), BinaryValue: f.Get(p + "Value.BinaryValue")}
		}
		id, seq, err := s.Publish(in)
		return publishResult{XMLName: resultName(action), MessageID: id, SequenceNumber: seq}, err
	case "Subscribe":
		arn, err := s.Subscribe(f.Get("TopicArn"), f.Get("Protocol"), f.Get("Endpoint"), entries(f, "Attributes", "key", "value"), f.Get("ReturnSubscriptionArn") == "true")
		return struct {
			XMLName         xml.Name
			SubscriptionArn string
		}{resultName(action), arn}, err
	case "ConfirmSubscription":
		arn, err := s.ConfirmSubscription(f.Get("TopicArn"), f.Get("Token"))
		return struct {
			XMLName         xml.Name
			SubscriptionArn string
		}{resultName(action), arn}, err
	case "GetSubscriptionAttributes":
		attrs, err := s.SubscriptionAttributes(f.Get("SubscriptionArn"))
		if err != nil {
			return nil, err
		}
		return struct {
			XMLName    xml.Name
			Attributes []entry `xml:"Attributes>entry"`
		}{resultName(action), sortedEntries(attrs)}, nil
	case "SetSubscriptionAttributes":
		return nil, s.SetSubscriptionAttribute(f.Get("SubscriptionArn"), f.Get("AttributeName"), f.Get("AttributeValue"))
	case "Unsubscribe":
		return nil, s.Unsubscribe(f.Get("SubscriptionArn"))
	case "ListSubscriptions", "ListSubscriptionsByTopic":
		topicArn := ""
		if action == "ListSubscriptionsByTopic" {
			topicArn = f.Get("TopicArn")
			if topicArn == "" {
				return nil, errInvalidParameter("TopicArn")
			}
		}
		subs, err := s.Subscriptions(topicArn)
		return struct {
			XMLName       xml.Name
			Subscriptions []Subscription `xml:"Subscriptions>member"`
		}{resultName(action), subs}, err
	case "":
		return nil, &Error{Status: 400, Code: "MissingAction", Message: "Missing Action"}
	}
	return nil, &Error{Status: 400, Code: "InvalidAction", Message: fmt.Sprintf("Unrecognized or unsupported Action: %s", action)}
}

type entry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func sortedEntries(attrs map[string]string) []entry {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	es := make([]entry, 0, len(keys))
	for _, k := range keys {
		es = append(es, entry{k, attrs[k]})
	}
	return es
}

// entries reads a query-protocol map ("<prefix>.entry.N.<k>" / ".<v>").
func entries(f url.Values, prefix, k, v string) map[string]string {
	out := map[string]string{}
	for i := 1; ; i++ {
		p := fmt.Sprintf("%s.entry.%d.", prefix, i)
		key := f.Get(p + k)
		if key == "" {
			return out
		}
		out[key] = f.Get(p + v)
	}
}

type publishResult struct {
	XMLName        xml.Name
	MessageID      string `xml:"MessageId"`
	SequenceNumber string `xml:"SequenceNumber,omitempty"`
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// responseXML renders "<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>"
// indented as SNS does. result, when not nil, is a struct whose XMLName is set by named.
func responseXML(action string, result any, requestID string) []byte {
	env := struct {
		XMLName          xml.Name
		Xmlns            string `xml:"xmlns,attr"`
		Result           any
		ResponseMetadata responseMetadata
	}{XMLName: xml.Name{Local: action + "Response"}, Xmlns: xmlns, Result: result, ResponseMetadata: responseMetadata{requestID}}
	b, err := xml.MarshalIndent(env, "", "  ")
	if err != nil {
		// Only strings and string maps are marshalled here; this cannot fail.
		panic(err)
	}
	return append(b, '\n')
}

func publishXML(id, seq, requestID string) []byte {
	return responseXML("Publish", publishResult{XMLName: resultName("Publish"), MessageID: id, SequenceNumber: seq}, requestID)
}

func resultName(action string) xml.Name { return xml.Name{Local: action + "Result"} }

func writeError(w http.ResponseWriter, e *Error) { writeErrorID(w, e, uuid.NewString()) }

func writeErrorID(w http.ResponseWriter, e *Error, requestID string) {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	var b strings.Builder
	b.WriteString(`<ErrorResponse xmlns="` + xmlns + `">` + "\n  <Error>\n")
	b.WriteString("    <Type>" + typ + "</Type>\n")
	b.WriteString("    <Code>" + xmlEscape(e.Code) + "</Code>\n")
	b.WriteString("    <Message>" + xmlEscape(e.Message) + "</Message>\n")
	b.WriteString("  </Error>\n  <RequestId>" + requestID + "</RequestId>\n</ErrorResponse>\n")
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(e.Status)
	_, _ = w.Write([]byte(b.String()))
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
