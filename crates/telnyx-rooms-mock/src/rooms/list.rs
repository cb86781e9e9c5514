//! Lists: the records a request's `filter[…]` parameters select, one page of them, and the
//! pagination `meta` Telnyx sends beside them.
//!
//! Filters are read from their names, as the spec's deepObject parameters spell them:
//! `filter[field]` keeps the records whose `field` equals the value (a string, boolean or
//! integer, as the spec types the parameter); `filter[date_field][eq|gte|lte]` compares the date
//! of the record's `field` timestamp (`filter[date_created_at][gte]=2021-04-25`: created on or
//! after that day, UTC). A record without the field does not pass.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use telnyx_rooms_gen::types::PaginationMeta;
use uuid::Uuid;

use super::{KINDS, Record, State, not_found};
use crate::api_error::ApiError;
use crate::validate::ValidRequest;

/// The spec's pagination parameters (Telnyx's `video_PageConsolidated`).
const PAGE_NUMBER: &str = "page[number]";
const PAGE_SIZE: &str = "page[size]";

impl State {
    /// `GET /collection`, or `GET /parent/{id}/collection` (`within` the parent's kind and id):
    /// the selected records, one page of them, and `meta`.
    pub(crate) fn list(
        &self,
        kind: usize,
        within: Option<(usize, Uuid)>,
        request: &ValidRequest,
    ) -> Result<Value, ApiError> {
        if let Some((parent, id)) = within
            && self.get(parent, id).is_none()
        {
            return Err(not_found(parent, id));
        }
        let selected: Vec<(&Uuid, &Record)> = match within {
            Some((parent, id)) => self.named_by(kind, KINDS[parent].link, id).collect(),
            None => self.tables[kind].iter().collect(),
        };
        let selected: Vec<(&Uuid, &Record)> = selected
            .into_iter()
            .filter(|(_, record)| passes(record, request))
            .collect();
        let integer = |name| request.query_value(name).and_then(Value::as_i64);
        let (number, size) = match (integer(PAGE_NUMBER), integer(PAGE_SIZE)) {
            (Some(number), Some(size)) => (number, size),
            // An operation without pagination answers everything it selects.
            _ => (1, i64::try_from(selected.len()).unwrap_or(i64::MAX).max(1)),
        };
        let total = i64::try_from(selected.len()).unwrap_or(i64::MAX);
        let skip = number
            .checked_sub(1)
            .and_then(|pages| pages.checked_mul(size))
            .and_then(|skip| usize::try_from(skip).ok())
            .unwrap_or(usize::MAX);
        let page = selected
            .iter()
            .skip(skip)
            .take(usize::try_from(size).unwrap_or(usize::MAX))
            .map(|(id, record)| self.present(kind, **id, record, Some(request)))
            .collect::<Result<Vec<_>, _>>()?;
        let meta = PaginationMeta {
            page_number: Some(number),
            page_size: Some(size),
            total_pages: Some(if total == 0 {
                0
            } else {
                (total - 1) / size + 1
            }),
            total_results: Some(total),
        };
        Ok(json!({ "data": page, "meta": meta }))
    }
}

/// Whether `record` passes every `filter[…]` parameter of `request`.
pub(super) fn passes(record: &Record, request: &ValidRequest) -> bool {
    request.query().all(|(name, wanted)| {
        let Some(path) = name
            .strip_prefix("filter[")
            .and_then(|rest| rest.strip_suffix(']'))
        else {
            return true;
        };
        match path.split("][").collect::<Vec<_>>().as_slice() {
            [field] => equal(record.get(*field), wanted),
            [field, comparison] => match field.strip_prefix("date_") {
                Some(stamp) => on_date(record.get(stamp), comparison, wanted),
                None => true,
            },
            // A filter shape the spec does not use: it selects nothing away.
            _ => true,
        }
    })
}

fn equal(have: Option<&Value>, wanted: &Value) -> bool {
    match (have, wanted) {
        // Ids compare as UUIDs, whatever their letter case.
        (Some(Value::String(have)), Value::String(wanted)) => {
            have == wanted
                || matches!(
                    (Uuid::try_parse(have), Uuid::try_parse(wanted)),
                    (Ok(a), Ok(b)) if a == b
                )
        }
        (Some(have), wanted) => have == wanted,
        (None, _) => false,
    }
}

fn on_date(have: Option<&Value>, comparison: &str, wanted: &Value) -> bool {
    let have = have
        .and_then(Value::as_str)
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc).date_naive());
    let wanted = wanted
        .as_str()
        .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok());
    let (Some(have), Some(wanted)) = (have, wanted) else {
        return false;
    };
    match comparison {
        "eq" => have == wanted,
        "gte" => have >= wanted,
        "lte" => have <= wanted,
        _ => true,
    }
}
