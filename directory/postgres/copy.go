package postgres

// Bulk creates with COPY (issue 17): the importer hands ApplyFeed its new
// children 20,000 at a time; inserting them one statement each costs a round
// trip per child. A batch of copyMin or more is written with COPY on the
// transaction's own connection, so it commits or rolls back with the rest
// of the batch.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"signpost/directory"
	"signpost/directory/sqlstore"
)

// copyMin is the smallest Creates batch written with COPY: below it the
// prepared INSERT is as quick and simpler to read in a trace.
const copyMin = 64

// copyQuery is the statement text that asks a connection (conn.ExecContext)
// to run the copyJob given as its one argument.
const copyQuery = "-- signpost: COPY"

// copyJob is a COPY of rows into table, run by the connection of the
// transaction that executes copyQuery.
type copyJob struct {
	table string
	cols  []string
	rows  [][]any
}

// runCopy runs the job of a copyQuery statement on c's pgx connection.
func (c *conn) runCopy(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if len(args) != 1 {
		return nil, errors.New("a COPY takes one job")
	}
	j, ok := args[0].Value.(*copyJob)
	if !ok {
		return nil, errors.New("a COPY takes one job")
	}
	n, err := c.Conn.Conn().CopyFrom(ctx, pgx.Identifier{j.table}, j.cols, pgx.CopyFromRows(j.rows))
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(n), nil
}

// copyIn copies rows into table within tx.
func copyIn(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) error {
	_, err := tx.ExecContext(ctx, copyQuery, &copyJob{table: table, cols: cols, rows: rows})
	return err
}

var childCopyCols = []string{"signpost_id", "given_name", "family_name", "given_norm", "family_norm", "dob", "gender", "address", "postcode",
	"authority_id", "nhs_number", "upn", "status", "date_of_death", "school_code", "school_name", "school_phone", "school_started",
	"gp_code", "gp_name", "gp_phone", "gp_started", "seq"}

// createChildren writes a batch of new children: with COPY when it is
// large, else with the shared INSERTs (sqlstore).
func createChildren(ctx context.Context, tx *sql.Tx, cs []directory.NewChild, auths map[string]int64) error {
	if len(cs) < copyMin {
		return dialect.InsertChildren(ctx, tx, cs, auths)
	}
	seq, err := nextSeq(ctx, tx)
	if err != nil {
		return err
	}
	rows := make([][]any, len(cs))
	for i := range cs {
		row, err := sqlstore.ChildRow(&cs[i], auths, seq)
		if err != nil {
			return err
		}
		for k, v := range row {
			if s, ok := v.(string); ok {
				row[k] = pgText(s)
			}
		}
		rows[i] = row
	}
	return copyIn(ctx, tx, "children", childCopyCols, rows)
}

// pgText is s as PostgreSQL can hold it (conn.CheckNamedValue's rule for
// the INSERTs: a NUL or bytes that are not UTF-8 become U+FFFD).
func pgText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
