// Package httptask runs Step Functions' HTTP Task (arn:aws:states:::http:invoke) and the API
// Gateway integration (arn:aws:states:::apigateway:invoke) as real HTTP calls, so that a state
// machine calling a third-party API can be tested against a local stand-in (an httptest
// server, a container, anything that listens).
//
// HTTP Task: ApiEndpoint, Method, Headers, QueryParameters, RequestBody and Transform
// (RequestBodyEncoding URL_ENCODED with the INDICES, REPEAT, COMMAS and BRACKETS array
// formats) are read as AWS documents them ("Call HTTPS APIs in Step Functions workflows");
// the EventBridge connection named by Authentication.ConnectionArn or
// InvocationConfig.ConnectionArn adds its authorization (Basic, API key, or an OAuth
// client-credentials token fetched from its AuthorizationEndpoint and refreshed on 401/407)
// and its invocation header, query and body parameters, which win over the Task's. Step
// Functions' own headers are set (User-Agent Amazon|StepFunctions|HttpInvoke|<region>,
// Range bytes=0-262144, Content-Type application/json; charset=UTF-8 by default), and the
// headers AWS forbids fail the Task with States.Runtime. The result is {Headers (lower-case
// names, array values), ResponseBody (parsed when the response is JSON), StatusCode,
// StatusText}; a non-2xx status fails with States.Http.StatusCode.<code> and the status text
// as the cause; a transport failure or the 60-second limit fails with States.Http.Socket.
// Unlike AWS, plain http:// endpoints and Tasks without a connection are accepted, since local
// services rarely have certificates or credentials.
//
// API Gateway: ApiEndpoint "<api-id>.execute-api.<region>.amazonaws.com" is resolved through
// Config.APIGateway (the --apigateway-endpoint ID=URL flag), then Stage and Path are appended;
// Headers and QueryParameters take arrays of values; AuthType is accepted (requests are not
// signed). Output is {ResponseBody, Headers, StatusCode, StatusText}; a non-2xx status fails
// with ApiGateway.<code> and the response body as the cause.
//
// Connections are read through the Connections interface (the server adapts the EventBridge
// fake to it), so this package imports no other service. All time (the 60-second limit, OAuth
// token expiry) comes from the injected clock.
package httptask
