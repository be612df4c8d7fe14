package interpreter

import (
	"math"
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/payload"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// The Distributed Map's own fields (ItemReader, ItemBatcher, ResultWriter,
// ProcessorConfig.ExecutionType), parsed once with the rest of the Map state. What they do at
// run time is in distmap.go.

// distConfig is a Distributed Map's configuration beyond the inline Map's.
type distConfig struct {
	// express is ProcessorConfig.ExecutionType EXPRESS (STANDARD by default).
	express bool
	reader  *ioConfig
	batcher *batcherConfig
	writer  *ioConfig
	// definition is the ItemProcessor as written: the children's state machine definition.
	definition string
}

// ioConfig is an ItemReader or a ResultWriter: a resource called through the task registry
// with Parameters (JSONPath) or Arguments (JSONata), and its ReaderConfig or WriterConfig.
type ioConfig struct {
	resource        string
	service, action string
	params          *payload.Template
	jArgs           *jnode
	hasArgs         bool
	args            any // a constant Arguments/Parameters object without expressions
	// config is ReaderConfig or WriterConfig as written (MaxItems(Path) taken out).
	config   *value.Object
	maxItems intOrPath
}

// batcherConfig is an ItemBatcher.
type batcherConfig struct {
	maxItems, maxBytes intOrPath
	batchInput         *payload.Template
	jBatchInput        *jnode
	hasBatchInput      bool
	batchInputConst    any
}

// distFields parses ItemReader, ItemBatcher, ResultWriter and ExecutionType.
func (p *parser) distFields(st *state, obj map[string]any, pobj map[string]any, loc string) {
	d := &distConfig{}
	if pc, ok := value.AsMap(pobj["ProcessorConfig"]); ok {
		if et, ok := pc["ExecutionType"]; ok {
			switch et {
			case "STANDARD":
			case "EXPRESS":
				d.express = true
			default:
				p.add(CodeSchema, loc+"/ItemProcessor/ProcessorConfig/ExecutionType", "The value for the field 'ExecutionType' must be one of [STANDARD, EXPRESS]")
			}
		}
	}
	for _, f := range []string{"ItemReader", "ItemBatcher", "ResultWriter"} {
		v, ok := obj[f]
		if !ok {
			continue
		}
		m, isObj := value.AsMap(v)
		if _, isO := v.(*value.Object); !isO || !isObj {
			p.add(CodeSchema, loc+"/"+f, "The value for the field '%s' must be an OBJECT", f)
			continue
		}
		floc := loc + "/" + f
		if !st.distributed {
			// AWS: these fields need a Distributed Map.
			p.add(CodeSchema, floc, "The field '%s' is only supported when the ProcessorConfig Mode is DISTRIBUTED", f)
			continue
		}
		switch f {
		case "ItemReader":
			p.checkFields(m, floc, set("Resource", "Parameters", "Arguments", "ReaderConfig"))
			d.reader = p.ioConfig(st, m, floc, "ReaderConfig", []string{"getObject", "listObjectsV2"})
		case "ResultWriter":
			p.checkFields(m, floc, set("Resource", "Parameters", "Arguments", "WriterConfig"))
			d.writer = p.ioConfig(st, m, floc, "WriterConfig", []string{"putObject"})
		case "ItemBatcher":
			d.batcher = p.batcher(st, m, floc)
		}
	}
	if st.distributed {
		proc := obj["ItemProcessor"]
		if proc == nil {
			proc = obj["Iterator"]
		}
		d.definition, _ = EncodeValue(proc)
		st.dist = d
	}
}

// testUnsupported names the first Distributed Map field TestState cannot run without a mock
// ("" for none, or for an inline Map).
func (d *distConfig) testUnsupported() string {
	switch {
	case d == nil:
		return ""
	case d.reader != nil:
		return "ItemReader"
	case d.batcher != nil:
		return "ItemBatcher"
	case d.writer != nil:
		return "ResultWriter"
	}
	return ""
}

func (p *parser) ioConfig(st *state, m map[string]any, loc, cfgField string, actions []string) *ioConfig {
	c := &ioConfig{}
	r, ok := m["Resource"].(string)
	if !ok {
		if _, has := m["Resource"]; has {
			p.add(CodeSchema, loc+"/Resource", "The value for the field 'Resource' must be a STRING")
		} else if cfgField == "ReaderConfig" || m["Parameters"] != nil || m["Arguments"] != nil {
			p.add(CodeSchema, loc, "These fields are required: [Resource]")
		}
	} else {
		c.resource = r
		service, action, pattern, _, ok := task.ParseResource(r)
		okAction := false
		for _, a := range actions {
			okAction = okAction || action == a
		}
		if !ok || service != "s3" || pattern != task.RequestResponse || !okAction {
			p.add(CodeSchema, loc+"/Resource", "The value for the field 'Resource' must be one of [%s]", resourceList(actions))
		}
		c.service, c.action = service, action
	}
	_, hasParams := m["Parameters"]
	_, hasArgs := m["Arguments"]
	switch {
	case st.jsonata && hasParams:
		p.add(CodeSchema, loc, "The field 'Parameters' is not supported in JSONata; use 'Arguments'")
	case !st.jsonata && hasArgs:
		p.add(CodeSchema, loc, "The field 'Arguments' is not supported in JSONPath; use 'Parameters'")
	}
	if st.jsonata {
		c.jArgs = p.jfield(m, "Arguments", loc, false, false)
		c.hasArgs = hasArgs
	} else {
		c.params = p.template(m, "Parameters", loc, st.name)
	}
	if cv, ok := m[cfgField]; ok {
		co, isObj := cv.(*value.Object)
		cm, _ := value.AsMap(cv)
		if !isObj {
			p.add(CodeSchema, loc+"/"+cfgField, "The value for the field '%s' must be an OBJECT", cfgField)
			return c
		}
		if cfgField == "ReaderConfig" {
			c.maxItems = p.intOrPath(cm, "MaxItems", "MaxItemsPath", loc+"/"+cfgField, 0, 100000000)
			c.config = value.NewObject(co.Len())
			for k, v := range co.All() {
				if k != "MaxItems" && k != "MaxItemsPath" {
					c.config.Append(k, v)
				}
			}
		} else {
			c.config = co
		}
	}
	return c
}

func resourceList(actions []string) string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = "arn:aws:states:::s3:" + a
	}
	return strings.Join(out, ", ")
}

func (p *parser) batcher(st *state, m map[string]any, loc string) *batcherConfig {
	p.checkFields(m, loc, set("MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput"))
	b := &batcherConfig{}
	b.maxItems = p.intOrPath(m, "MaxItemsPerBatch", "MaxItemsPerBatchPath", loc, 1, math.MaxInt32)
	b.maxBytes = p.intOrPath(m, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", loc, 1, 256*1024)
	if !b.maxItems.set && !b.maxBytes.set {
		if _, a := m["MaxItemsPerBatch"]; !a {
			if _, b2 := m["MaxInputBytesPerBatch"]; !b2 {
				p.add(CodeSchema, loc, "At least one of 'MaxItemsPerBatch', 'MaxItemsPerBatchPath', 'MaxInputBytesPerBatch' or 'MaxInputBytesPerBatchPath' must be present")
			}
		}
	}
	if _, ok := m["BatchInput"]; ok {
		b.hasBatchInput = true
		if st.jsonata {
			b.jBatchInput = p.jfield(m, "BatchInput", loc, false, false)
		} else {
			b.batchInput = p.template(m, "BatchInput", loc, st.name)
		}
	}
	return b
}
