//! The IPC types of lineage.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::*;

/// One output of one run: `output_idx` of target `target_idx` of run `run_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutputRef {
    pub run_id: String,
    pub target_idx: u32,
    pub output_idx: u32,
}

/// How a node of a lineage stands to the run asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum LineageRelation {
    Ancestor,
    Current,
    Descendant,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LineageNode {
    pub run: RunSummary,
    /// 0 for the oldest run shown; a child is one deeper than its parent.
    pub depth: u32,
    pub relation: LineageRelation,
    /// The output of its parent this run started from.
    pub from: Option<OutputRef>,
    pub from_thumb_url: Option<String>,
}

/// A run's ancestors (oldest first), the run, then its descendants depth-first (each
/// after its parent, siblings oldest first).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Lineage {
    pub run_id: String,
    pub nodes: Vec<LineageNode>,
    /// The walk up stopped at a run that was deleted: the id its child still names.
    pub deleted_ancestor: Option<String>,
    /// Some runs were left out: more than the bounds allow (depth, node count) or a loop
    /// in a damaged database.
    pub truncated: bool,
}
