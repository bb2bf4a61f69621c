//! Async tasks: `POST /v1/async/images/*` creates one, `GET /v1/tasks/{id}` polls it.
//!
//! A task is `submitted` for the first 5 % of its planned duration, then `processing`
//! with `progress` growing from 1 to 99 with elapsed time, then `completed` (progress 100,
//! `result: {created, data, usage}`) or `failed` (`error: {code, message}`).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How many tasks are kept (the oldest finished ones go first).
const TASK_CAPACITY: usize = 10_000;

pub enum Outcome {
    Running,
    Completed { result: Value, completed_at: i64 },
    Failed { error: Value, completed_at: i64 },
}

pub struct Task {
    pub id: String,
    /// The model as sent.
    pub model: String,
    pub created_at: i64,
    pub started: Instant,
    /// Planned processing time (latency + any slow fault).
    pub duration: Duration,
    pub outcome: Outcome,
}

impl Task {
    /// The task as `GET /v1/tasks/{id}` answers it.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "object": "task",
            "model": self.model,
            "created_at": self.created_at,
        });
        match &self.outcome {
            Outcome::Running => {
                let total = self.duration.as_secs_f64().max(1e-6);
                let f = self.started.elapsed().as_secs_f64() / total;
                if f < 0.05 {
                    v["status"] = json!("submitted");
                    v["progress"] = json!(0);
                } else {
                    v["status"] = json!("processing");
                    v["progress"] = json!(((f * 100.0).round() as i64).clamp(1, 99));
                }
            }
            Outcome::Completed { result, completed_at } => {
                v["status"] = json!("completed");
                v["progress"] = json!(100);
                v["completed_at"] = json!(completed_at);
                v["result"] = result.clone();
            }
            Outcome::Failed { error, completed_at } => {
                v["status"] = json!("failed");
                v["progress"] = json!(100);
                v["completed_at"] = json!(completed_at);
                v["error"] = error.clone();
            }
        }
        v
    }
}

#[derive(Default)]
pub struct TaskStore {
    inner: Mutex<(HashMap<String, Task>, VecDeque<String>)>,
}

impl TaskStore {
    pub fn insert(&self, task: Task) {
        let mut g = self.inner.lock().expect("tasks lock");
        if g.0.len() >= TASK_CAPACITY {
            let (map, order) = &mut *g;
            if let Some(pos) =
                order.iter().position(|id| map.get(id).is_some_and(|t| !matches!(t.outcome, Outcome::Running)))
            {
                if let Some(id) = order.remove(pos) {
                    map.remove(&id);
                }
            }
        }
        g.1.push_back(task.id.clone());
        g.0.insert(task.id.clone(), task);
    }

    pub fn json(&self, id: &str) -> Option<Value> {
        self.inner.lock().expect("tasks lock").0.get(id).map(Task::to_json)
    }

    pub fn model(&self, id: &str) -> Option<String> {
        self.inner.lock().expect("tasks lock").0.get(id).map(|t| t.model.clone())
    }

    /// Sets a task's outcome (no-op if the task was cleared meanwhile).
    pub fn finish(&self, id: &str, outcome: Outcome) -> bool {
        let mut g = self.inner.lock().expect("tasks lock");
        match g.0.get_mut(id) {
            Some(t) => {
                t.outcome = outcome;
                true
            }
            None => false,
        }
    }

    pub fn exists(&self, id: &str) -> bool {
        self.inner.lock().expect("tasks lock").0.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.inner.lock().expect("tasks lock").0.len()
    }

    pub fn clear(&self) {
        let mut g = self.inner.lock().expect("tasks lock");
        g.0.clear();
        g.1.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_grows_then_completes() {
        let store = TaskStore::default();
        store.insert(Task {
            id: "task_1".into(),
            model: "nano-banana-2".into(),
            created_at: 1,
            started: Instant::now() - Duration::from_millis(500),
            duration: Duration::from_secs(1),
            outcome: Outcome::Running,
        });
        let v = store.json("task_1").unwrap();
        assert_eq!(v["status"], "processing");
        let p = v["progress"].as_i64().unwrap();
        assert!((40..=60).contains(&p), "{p}");
        store.finish("task_1", Outcome::Completed { result: json!({"data": []}), completed_at: 2 });
        let v = store.json("task_1").unwrap();
        assert_eq!((v["status"].as_str(), v["progress"].as_i64()), (Some("completed"), Some(100)));
        assert!(store.json("task_2").is_none());
    }
}
