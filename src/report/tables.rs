//! `export plans`: the plan result tables as files a warehouse loads — Parquet through
//! polars, or CSV — one folder per table, partitioned by event date the Hive way
//! (`plan_shopping/event_date=2026-12-24/part-0.parquet`), so that DuckDB, Spark or Athena
//! read a whole folder (or many shards' folders) as one table.
//!
//! This is where polars belongs: each table is read once across every selected plan, split
//! by date and written as typed columns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame, PolarsError};
use polars_io::parquet::write::ParquetWriter;
use rusqlite::Connection;
use rusqlite::types::Value;

use crate::store::StoreError;
use crate::store::results::{self, ColumnType, Columns, Selection};

/// The column exports partition by; it is the folder name, not a column in the files.
pub const PARTITION: &str = "event_date";

/// File format of `export plans`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Apache Parquet (typed columns, compressed).
    Parquet,
    /// CSV with a header row (UTF-8, no BOM: for loaders, not spreadsheets).
    Csv,
}

impl TableFormat {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Parquet => "parquet",
            TableFormat::Csv => "csv",
        }
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the tables failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// polars could not build or write a frame.
    #[error("cannot write {path}: {source}")]
    Polars {
        /// The file.
        path: PathBuf,
        /// Why.
        source: PolarsError,
    },
    /// The CSV writer failed.
    #[error("cannot write {path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// Why.
        source: csv::Error,
    },
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exported {
    /// Files written, relative to the output directory, in order.
    pub files: Vec<PathBuf>,
    /// Rows per table.
    pub rows: BTreeMap<&'static str, usize>,
}

/// Writes every plan table for the computations `selection` takes into `out`.
pub fn export_plans(
    conn: &Connection,
    selection: &Selection,
    format: TableFormat,
    out: &Path,
) -> Result<Exported, ExportError> {
    let mut exported = Exported::default();
    for table in results::export_tables() {
        let columns = results::read(conn, table, selection)?;
        exported.rows.insert(table, columns.len());
        for (date, rows) in partitions(&columns) {
            let relative = PathBuf::from(table)
                .join(format!("{PARTITION}={date}"))
                .join(format!("part-0.{}", format.extension()));
            let bytes = match format {
                TableFormat::Parquet => parquet(&columns, &rows, &relative)?,
                TableFormat::Csv => csv_bytes(&columns, &rows, &relative)?,
            };
            crate::write_inside(out, &relative, &bytes).map_err(|source| ExportError::Io {
                path: relative.clone(),
                source,
            })?;
            exported.files.push(relative);
        }
    }
    Ok(exported)
}

/// Row numbers per event date, dates in order (rows are already sorted by date).
fn partitions(columns: &Columns) -> BTreeMap<String, Vec<usize>> {
    let mut by_date: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let Some(at) = columns.names.iter().position(|n| n == PARTITION) else {
        return by_date;
    };
    for (row, value) in columns.values[at].iter().enumerate() {
        let date = match value {
            Value::Text(text) => text.clone(),
            _ => "unknown".to_owned(),
        };
        by_date.entry(date).or_default().push(row);
    }
    by_date
}

/// The columns written to files: all but the partition column.
fn written(columns: &Columns) -> impl Iterator<Item = usize> + '_ {
    (0..columns.names.len()).filter(|&c| columns.names[c] != PARTITION)
}

/// One partition as a Parquet file.
fn parquet(columns: &Columns, rows: &[usize], path: &Path) -> Result<Vec<u8>, ExportError> {
    let polars_error = |source| ExportError::Polars {
        path: path.to_owned(),
        source,
    };
    let frame_columns: Vec<Column> = written(columns)
        .map(|c| {
            let name = columns.names[c].as_str().into();
            let values = rows.iter().map(|&r| &columns.values[c][r]);
            match columns.types[c] {
                ColumnType::Integer => Column::new(
                    name,
                    values
                        .map(|v| match v {
                            Value::Integer(i) => Some(*i),
                            _ => None,
                        })
                        .collect::<Vec<Option<i64>>>(),
                ),
                ColumnType::Real => Column::new(
                    name,
                    values
                        .map(|v| match v {
                            Value::Real(x) => Some(*x),
                            Value::Integer(i) => Some(*i as f64),
                            _ => None,
                        })
                        .collect::<Vec<Option<f64>>>(),
                ),
                ColumnType::Text => Column::new(
                    name,
                    values
                        .map(|v| match v {
                            Value::Text(t) => Some(t.as_str()),
                            _ => None,
                        })
                        .collect::<Vec<Option<&str>>>(),
                ),
            }
        })
        .collect();
    let mut frame = DataFrame::new(rows.len(), frame_columns).map_err(polars_error)?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .finish(&mut frame)
        .map_err(polars_error)?;
    Ok(bytes)
}

/// One partition as a CSV file.
fn csv_bytes(columns: &Columns, rows: &[usize], path: &Path) -> Result<Vec<u8>, ExportError> {
    let csv_error = |source| ExportError::Csv {
        path: path.to_owned(),
        source,
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(written(columns).map(|c| columns.names[c].as_str()))
        .map_err(csv_error)?;
    for &r in rows {
        writer
            .write_record(written(columns).map(|c| match &columns.values[c][r] {
                Value::Null => String::new(),
                Value::Integer(i) => i.to_string(),
                Value::Real(x) => x.to_string(),
                Value::Text(t) => t.clone(),
                Value::Blob(b) => format!("{b:?}"),
            }))
            .map_err(csv_error)?;
    }
    writer.into_inner().map_err(|e| ExportError::Io {
        path: path.to_owned(),
        source: e.into_error(),
    })
}
