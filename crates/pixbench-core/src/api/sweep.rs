//! The IPC types of sweep.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One axis: `aspect_ratio`, `size`, `quality`, `output_format` or `background`, and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SweepAxis {
    pub axis: String,
    pub values: Vec<String>,
}

/// A prompt variable (`{{name}}` in the template) and the values it takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SweepVariable {
    pub name: String,
    pub values: Vec<String>,
}

/// An axis as the preview shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SweepAxisPlan {
    /// As in [`AxisValue::axis`](super::AxisValue::axis): `model`, `quality`, ..., or `{{name}}` for a variable.
    pub axis: String,
    pub values: Vec<String>,
    /// The models (catalog ids) this axis is not sent to: one request each instead of one per value.
    pub not_sent_to: Vec<String>,
}
