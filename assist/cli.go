package assist

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// CLIConfig configures RunTriageCLI.
type CLIConfig struct {
	// Client is the model client; nil triages offline.
	Client *Client
	// Categories for the offline classifier (DefaultCategories when nil).
	Categories []string
	// Workers triage in parallel (default: the number of CPUs; 4 at
	// least with a model, whose calls wait on the network).
	Workers int
}

// CLIInput is one input line of `hub triage`.
type CLIInput struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Lang    string `json:"lang,omitempty"`
	Channel string `json:"channel,omitempty"`
}

// CLIOutput is one output line of `hub triage`: the triage fields, and
// error (with the other fields empty) for an input line that could not
// be read.
type CLIOutput struct {
	ID             string  `json:"id"`
	Category       string  `json:"category,omitempty"`
	Sentiment      float64 `json:"sentiment"`
	SentimentLabel string  `json:"sentiment_label,omitempty"`
	Urgency        float64 `json:"urgency"`
	UrgencyLabel   string  `json:"urgency_label,omitempty"`
	Troll          float64 `json:"troll"`
	Spam           float64 `json:"spam"`
	Relevant       bool    `json:"relevant"`
	Lang           string  `json:"lang,omitempty"`
	Summary        string  `json:"summary,omitempty"`
	Source         string  `json:"source,omitempty"`
	// ModelError says why a configured model's triage was not used.
	ModelError string `json:"model_error,omitempty"`
	Error      string `json:"error,omitempty"`
}

// maxCLILine bounds one input line.
const maxCLILine = 1 << 20

const cliBatch = 512

// RunTriageCLI reads JSON lines {"id","text","lang"?,"channel"?} from in
// and writes one JSON line per input line to out, in the same order (see
// CLIOutput). A line that is not such an object gets an output line with
// "error" and the run goes on; blank lines are skipped. It returns the
// first read or write error, or ctx's.
func RunTriageCLI(ctx context.Context, in io.Reader, out io.Writer, cfg CLIConfig) error {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
		if cfg.Client != nil {
			workers = max(workers, 4)
		}
	}
	off := Offline{Categories: cfg.Categories}
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriterSize(out, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	lineNo := 0
	for {
		if err := ctx.Err(); err != nil {
			w.Flush()
			return err
		}
		batch, readErr := readBatch(r, &lineNo)
		results := make([]CLIOutput, len(batch))
		var wg sync.WaitGroup
		next := make(chan int)
		for range min(workers, len(batch)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					results[i] = triageLine(ctx, batch[i], off, cfg.Client)
				}
			}()
		}
		for i := range batch {
			next <- i
		}
		close(next)
		wg.Wait()
		for _, res := range results {
			if err := enc.Encode(res); err != nil {
				return fmt.Errorf("assist: writing triage: %w", err)
			}
		}
		if readErr != nil {
			if err := w.Flush(); err != nil {
				return fmt.Errorf("assist: writing triage: %w", err)
			}
			if errors.Is(readErr, io.EOF) {
				return nil
			}
			return fmt.Errorf("assist: reading input: %w", readErr)
		}
	}
}

type cliLine struct {
	no   int
	data []byte
	err  error
}

// readBatch reads up to cliBatch non-blank lines; its error is io.EOF at
// the end of the input.
func readBatch(r *bufio.Reader, lineNo *int) ([]cliLine, error) {
	var batch []cliLine
	for len(batch) < cliBatch {
		line, tooLong, err := readLine(r)
		if err == nil || len(line) > 0 || tooLong {
			*lineNo++
		}
		switch {
		case tooLong:
			batch = append(batch, cliLine{no: *lineNo, err: fmt.Errorf("longer than %d bytes", maxCLILine)})
		case len(bytes.TrimSpace(line)) > 0:
			batch = append(batch, cliLine{no: *lineNo, data: line})
		}
		if err != nil {
			return batch, err
		}
	}
	return batch, nil
}

// readLine reads one line without its newline; a line over maxCLILine is
// skipped to its end and reported as too long.
func readLine(r *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, isPrefix, err := r.ReadLine()
		if !tooLong {
			line = append(line, chunk...)
			if len(line) > maxCLILine {
				tooLong, line = true, nil
			}
		}
		if err != nil || !isPrefix {
			return line, tooLong, err
		}
	}
}

func triageLine(ctx context.Context, l cliLine, off Offline, c *Client) CLIOutput {
	if l.err != nil {
		return CLIOutput{Error: fmt.Sprintf("line %d: %v", l.no, l.err)}
	}
	var in CLIInput
	dec := json.NewDecoder(bytes.NewReader(l.data))
	if err := dec.Decode(&in); err != nil {
		return CLIOutput{Error: fmt.Sprintf("line %d: not a JSON object with id and text: %v", l.no, err)}
	}
	if in.Text == "" {
		return CLIOutput{ID: in.ID, Error: fmt.Sprintf("line %d: no text", l.no)}
	}
	input := Input{ID: in.ID, Text: in.Text, Lang: in.Lang, Channel: in.Channel}
	var t Triage
	var modelErr error
	if c != nil {
		t, modelErr = c.Triage(ctx, input, 0)
	} else {
		t = off.Classify(input)
	}
	o := CLIOutput{
		ID: in.ID, Category: t.Category, Sentiment: t.Sentiment, SentimentLabel: t.SentimentLabel,
		Urgency: t.Urgency, UrgencyLabel: t.UrgencyLabel, Troll: t.Troll, Spam: t.Spam,
		Relevant: t.Relevant, Lang: t.Lang, Summary: t.Summary, Source: t.Source,
	}
	if modelErr != nil {
		o.ModelError = modelErr.Error()
	}
	return o
}
