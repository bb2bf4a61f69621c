//! The schema, as the migrations that build it: each runs once, in order, in its own
//! transaction, and `PRAGMA user_version` counts how many have run.

pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the first schema
    r#"
    CREATE TABLE profiles(
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        base_url TEXT NOT NULL,
        default_model TEXT NOT NULL,
        budget_credits INTEGER,
        is_sandbox INTEGER NOT NULL DEFAULT 0,
        key_mask TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE sessions(
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        started_at TEXT NOT NULL,
        budget_credits INTEGER
    );
    CREATE TABLE runs(
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        profile_name TEXT NOT NULL,
        simulated INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        mode TEXT NOT NULL,
        prompt TEXT NOT NULL,
        models TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        status TEXT NOT NULL,
        estimate_credits INTEGER NOT NULL,
        credits INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX runs_by_time ON runs(created_at DESC);
    CREATE TABLE run_targets(
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        model_id TEXT NOT NULL,
        status TEXT NOT NULL,
        task_id TEXT,
        state_json TEXT NOT NULL,
        PRIMARY KEY(run_id, idx)
    );
    CREATE TABLE outputs(
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        target_idx INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        credits INTEGER NOT NULL,
        rating INTEGER,
        note TEXT,
        PRIMARY KEY(run_id, target_idx, idx)
    );
    CREATE INDEX outputs_by_sha ON outputs(sha256);
    CREATE TABLE reference_images(
        sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        mime TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        original_bytes INTEGER,
        original_width INTEGER,
        original_height INTEGER,
        note TEXT
    );
    CREATE TABLE run_references(
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        pos INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY(run_id, pos)
    );
    CREATE TABLE ledger(
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        target_idx INTEGER NOT NULL,
        output_idx INTEGER NOT NULL,
        model_id TEXT NOT NULL,
        variant TEXT NOT NULL,
        credits INTEGER NOT NULL,
        official_usd REAL,
        simulated INTEGER NOT NULL,
        at TEXT NOT NULL,
        UNIQUE(run_id, target_idx, output_idx)
    );
    CREATE INDEX ledger_by_session ON ledger(session_id);
    "#,
    // 2: benchmarks (the app's and the CLI's), indexed here; each full report is a JSON file
    r#"
    CREATE TABLE benchmarks(
        id TEXT PRIMARY KEY,
        name TEXT,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        profile TEXT NOT NULL,
        simulated INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        succeeded INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        cancelled INTEGER NOT NULL DEFAULT 0,
        credits INTEGER NOT NULL DEFAULT 0,
        usd REAL NOT NULL DEFAULT 0,
        targets_json TEXT NOT NULL,
        elapsed_ms REAL,
        report_path TEXT
    );
    CREATE INDEX benchmarks_by_time ON benchmarks(started_at DESC);
    "#,
    // 3: a benchmark's runs are marked, so the history list can leave them out
    r#"
    ALTER TABLE runs ADD COLUMN bench_id TEXT;
    UPDATE runs SET bench_id = json_extract(spec_json, '$.benchId') WHERE json_extract(spec_json, '$.benchId') IS NOT NULL;
    CREATE INDEX runs_by_bench ON runs(bench_id);
    "#,
    // 4: how a profile speaks to its server (Pixapi's documented form by default), and why
    // an output was billed at another tier than asked
    r#"
    ALTER TABLE profiles ADD COLUMN request_style TEXT NOT NULL DEFAULT 'size';
    ALTER TABLE profiles ADD COLUMN image_parts TEXT NOT NULL DEFAULT 'auto';
    ALTER TABLE outputs ADD COLUMN billing_note TEXT;
    "#,
    // 5: a stored key is bound to the base URL it was entered for (keys entered before are
    // bound to the URL the profile has now)
    r#"
    ALTER TABLE profiles ADD COLUMN key_origin TEXT;
    UPDATE profiles SET key_origin = base_url WHERE key_mask IS NOT NULL;
    "#,
    // 6: evaluation. Where a run came from (an edit started from an output of another run),
    // blind A/B votes (kept with their labels when the runs are deleted), and image metrics
    // computed once per pair of images (`sha_a < sha_b`; `algo` names the method, so a
    // change of method recomputes).
    r#"
    ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
    ALTER TABLE runs ADD COLUMN parent_target_idx INTEGER;
    ALTER TABLE runs ADD COLUMN parent_output_idx INTEGER;
    ALTER TABLE runs ADD COLUMN parent_sha256 TEXT;
    CREATE INDEX runs_by_parent ON runs(parent_run_id);
    CREATE TABLE votes(
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        prompt TEXT NOT NULL,
        left_run_id TEXT NOT NULL,
        left_target_idx INTEGER NOT NULL,
        left_output_idx INTEGER NOT NULL,
        left_label TEXT NOT NULL,
        left_sha256 TEXT NOT NULL,
        right_run_id TEXT NOT NULL,
        right_target_idx INTEGER NOT NULL,
        right_output_idx INTEGER NOT NULL,
        right_label TEXT NOT NULL,
        right_sha256 TEXT NOT NULL,
        winner TEXT NOT NULL CHECK(winner IN ('left', 'right', 'tie')),
        at TEXT NOT NULL
    );
    CREATE INDEX votes_by_session ON votes(session_id);
    CREATE TABLE metric_pairs(
        sha_a TEXT NOT NULL,
        sha_b TEXT NOT NULL,
        algo TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        ssim REAL NOT NULL,
        psnr REAL,
        phash_distance INTEGER NOT NULL,
        computed_ms REAL NOT NULL,
        PRIMARY KEY(sha_a, sha_b, algo)
    );
    "#,
    // 7: the process that drives a run or a benchmark in flight (see `owner`), so that
    // an engine opening the same data dir does not take over another live process's work
    r#"
    ALTER TABLE runs ADD COLUMN owner TEXT;
    ALTER TABLE benchmarks ADD COLUMN owner TEXT;
    "#,
    // 8: billing as data and costs that can be dollars or unknown. An output keeps the
    // tier asked, the tier billed and the entry priced (the billed tier and entry of older
    // rows come from their ledger entry; their asked tier is read from the catalog when
    // they load); the ledger, runs and outputs keep dollars beside credits (older rows:
    // credits at the built-in catalog's rate, $0.01) and how many images were unpriced.
    r#"
    ALTER TABLE outputs ADD COLUMN asked_tier TEXT;
    ALTER TABLE outputs ADD COLUMN billed_tier TEXT;
    ALTER TABLE outputs ADD COLUMN billed_entry TEXT;
    ALTER TABLE outputs ADD COLUMN usd REAL NOT NULL DEFAULT 0;
    ALTER TABLE outputs ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;
    UPDATE outputs SET usd = credits * 0.01;
    UPDATE outputs SET
        billed_tier = (SELECT l.variant FROM ledger l WHERE l.run_id = outputs.run_id
            AND l.target_idx = outputs.target_idx AND l.output_idx = outputs.idx),
        billed_entry = (SELECT l.model_id FROM ledger l WHERE l.run_id = outputs.run_id
            AND l.target_idx = outputs.target_idx AND l.output_idx = outputs.idx);
    ALTER TABLE ledger ADD COLUMN usd REAL NOT NULL DEFAULT 0;
    ALTER TABLE ledger ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;
    UPDATE ledger SET usd = credits * 0.01;
    ALTER TABLE runs ADD COLUMN usd REAL NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN estimate_usd REAL NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN estimate_unpriced INTEGER NOT NULL DEFAULT 0;
    UPDATE runs SET usd = credits * 0.01, estimate_usd = estimate_credits * 0.01;
    "#,
    // 9: the gateway a profile speaks to (a preset's id: its catalog, its billing, where its
    // key may come from); every profile before spoke to Pixapi
    r#"
    ALTER TABLE profiles ADD COLUMN gateway TEXT NOT NULL DEFAULT 'pixapi';
    "#,
];
