//! The designer's loop: any output becomes the reference of a new edit
//! ([`Lineages::iterate_from`]), and runs keep where they came from, so a run's ancestors and
//! descendants can be shown as a small tree ([`Lineages::walk`]).
//!
//! A deleted run breaks its lineage there and only there: its children keep naming it
//! (the walk up stops with [`Lineage::deleted_ancestor`]), its parent no longer lists it,
//! and nobody is re-linked to a run its image did not come from.

use crate::kind::ErrorKind;
use std::collections::HashSet;

pub use crate::api::{Lineage, LineageNode, LineageRelation, OutputRef};
use crate::api::{Request, RunDraft, RunKind, TargetSpec};
use std::sync::Arc;

use crate::blobs::Blobs;
use crate::error::{ui, CoreError, CoreResult};
use crate::infra::ImageUrls;
use crate::references::References;
use crate::store::lineage::LineageRow;
use crate::store::Store;

/// Ancestors walked up from a run, at most.
pub const MAX_ANCESTORS: usize = 32;
/// Levels of descendants below a run, at most.
pub const MAX_DESCENDANT_DEPTH: u32 = 16;
/// Runs in one lineage answer, at most (ancestors, the run and its descendants).
pub const MAX_NODES: usize = 200;

/// The state of a walk down a lineage.
struct Descent {
    base: u32,
    seen: HashSet<String>,
    nodes: Vec<LineageNode>,
    truncated: bool,
}

fn invalid(message: impl Into<String>) -> CoreError {
    CoreError::Ui(ui(ErrorKind::Invalid, message))
}

/// The last 8 characters of a run id, to tell runs apart in a sentence: a v7 UUID begins
/// with its time (runs a minute apart share their first 8) and ends with random bits.
pub fn short_id(id: &str) -> &str {
    id.get(id.len().saturating_sub(8)..).unwrap_or(id)
}

/// The lineage service.
pub struct Lineages {
    store: Arc<Store>,
    blobs: Blobs,
    references: Arc<References>,
    urls: ImageUrls,
}

impl Lineages {
    pub fn new(store: Arc<Store>, blobs: Blobs, references: Arc<References>, urls: ImageUrls) -> Lineages {
        Lineages { store, blobs, references, urls }
    }

    /// Why a spec's parent cannot be recorded; empty when it has none or it is fine.
    pub fn parent_problems(&self, spec: &Request) -> Vec<String> {
        let Some(p) = &spec.parent else { return vec![] };
        if spec.kind() != RunKind::Edit {
            return vec![
                "Only an edit can start from an output: switch to Edit, with the output as its reference.".into()
            ];
        }
        match self.store.output_sha(&p.run_id, p.target_idx, p.output_idx) {
            Ok(Some(_)) => vec![],
            Ok(None) if self.store.lineage_row(&p.run_id).ok().flatten().is_none() => vec![format!(
                "The run this edit starts from ({}) is not in history any more. Start again from another image.",
                short_id(&p.run_id)
            )],
            Ok(None) => vec![format!(
                "Run {} has no image {} in target {}; start from an image it has.",
                short_id(&p.run_id),
                p.output_idx + 1,
                p.target_idx + 1
            )],
            Err(e) => vec![e.to_string()],
        }
    }

    /// Turns an output into the reference of a new edit and answers the draft for the
    /// composer: the output's prompt (its target's, in a sweep) and model, the same size,
    /// ratio and fields, the output as the one reference, and the output as its parent.
    /// The output is registered like any reference image (downscaled when over the
    /// catalog's byte limit); nothing is sent.
    pub fn iterate_from(&self, from: &OutputRef) -> CoreResult<RunDraft> {
        let row = self.store.run_row(&from.run_id).map_err(|_| {
            invalid(format!("Run {} is not in history any more; pick an image of another run.", short_id(&from.run_id)))
        })?;
        let Some(sha) = self.store.output_sha(&from.run_id, from.target_idx, from.output_idx)? else {
            return Err(invalid(format!(
                "Run {} has no image {} in target {}; pick an image it has.",
                short_id(&from.run_id),
                from.output_idx + 1,
                from.target_idx + 1
            )));
        };
        // A run's stored targets are its spec's, in order; a resumed run keeps them.
        let target =
            row.spec.targets.get(from.target_idx as usize).cloned().ok_or_else(|| {
                invalid(format!("Run {} has no target {}.", short_id(&from.run_id), from.target_idx + 1))
            })?;
        let bytes = self.blobs.get(&sha).map_err(|e| CoreError::Ui(ui(ErrorKind::Missing, e.to_string())))?;
        let ext = crate::references::sniff(&bytes).unwrap_or("png");
        let name = format!("run-{}-{}-{}.{ext}", short_id(&from.run_id), from.target_idx + 1, from.output_idx + 1);
        let reference = self.references.add_bytes(&name, bytes)?;
        // A sweep's per-target values become the draft's own: the composer edits one request.
        let base = &row.spec.request;
        let mut options = base.fields.clone();
        if let Some(fields) = target.fields.clone().filter(|f| !f.is_empty()) {
            options.get_or_insert_with(Default::default).extend(fields);
        }
        let request = Request {
            prompt: target.prompt.clone().unwrap_or_else(|| base.prompt.clone()),
            targets: vec![TargetSpec {
                model_id: target.model_id,
                n: target.n,
                size: target.size,
                ..Default::default()
            }],
            aspect_ratio: target.aspect_ratio.or(base.aspect_ratio.clone()),
            mode: base.mode,
            response_format: base.response_format,
            images: vec![reference.sha256.clone()],
            fields: options,
            sweep: vec![],
            vars: vec![],
            parent: Some(from.clone()),
            environment: None,
        };
        Ok(RunDraft { request, references: vec![reference] })
    }

    /// A run's lineage: its ancestors up to the first run (or a deleted one), the run, and
    /// the tree of runs started from its outputs, within [`MAX_ANCESTORS`],
    /// [`MAX_DESCENDANT_DEPTH`] and [`MAX_NODES`]; a loop (a damaged database) ends the walk.
    pub fn walk(&self, run_id: &str) -> CoreResult<Lineage> {
        let store = &self.store;
        let Some(current) = store.lineage_row(run_id)? else {
            return Err(CoreError::Ui(ui(ErrorKind::NotFound, "That run is not in history any more.")));
        };
        let mut seen: HashSet<String> = HashSet::from([current.summary.id.clone()]);
        let mut truncated = false;
        let mut deleted_ancestor = None;
        let mut ancestors: Vec<LineageRow> = vec![];
        let mut up = current.parent.clone();
        while let Some(p) = up {
            if !seen.insert(p.run_id.clone()) || ancestors.len() >= MAX_ANCESTORS {
                truncated = true;
                break;
            }
            match store.lineage_row(&p.run_id)? {
                Some(row) => {
                    up = row.parent.clone();
                    ancestors.push(row);
                }
                None => {
                    deleted_ancestor = Some(p.run_id);
                    break;
                }
            }
        }
        ancestors.reverse();
        let base = ancestors.len() as u32;
        let mut nodes: Vec<LineageNode> = ancestors
            .into_iter()
            .enumerate()
            .map(|(i, row)| self.lineage_node(row, i as u32, LineageRelation::Ancestor))
            .collect();
        nodes.push(self.lineage_node(current, base, LineageRelation::Current));

        let mut walk = Descent { base, seen, nodes, truncated };
        self.descend(run_id, base, &mut walk)?;
        let Descent { nodes, truncated, .. } = walk;
        Ok(Lineage { run_id: run_id.to_string(), nodes, deleted_ancestor, truncated })
    }

    /// Adds the runs started from `id` (at `depth`) and theirs, depth-first, children
    /// oldest first, within the bounds.
    fn descend(&self, id: &str, depth: u32, walk: &mut Descent) -> CoreResult<()> {
        let store = &self.store;
        if depth - walk.base >= MAX_DESCENDANT_DEPTH {
            walk.truncated |= !store.lineage_children(id, 1)?.is_empty();
            return Ok(());
        }
        let room = MAX_NODES.saturating_sub(walk.nodes.len());
        for child in store.lineage_children(id, room + 1)? {
            if walk.nodes.len() >= MAX_NODES {
                walk.truncated = true;
                break;
            }
            if !walk.seen.insert(child.summary.id.clone()) {
                walk.truncated = true;
                continue;
            }
            let child_id = child.summary.id.clone();
            walk.nodes.push(self.lineage_node(child, depth + 1, LineageRelation::Descendant));
            self.descend(&child_id, depth + 1, walk)?;
        }
        Ok(())
    }

    fn lineage_node(&self, row: LineageRow, depth: u32, relation: LineageRelation) -> LineageNode {
        let mut run = row.summary;
        run.thumb_url = run.thumb_url.take().map(|sha| self.urls.thumb(&sha));
        LineageNode {
            run,
            depth,
            relation,
            from: row.parent,
            from_thumb_url: row.parent_sha256.map(|sha| self.urls.thumb(&sha)),
        }
    }
}
