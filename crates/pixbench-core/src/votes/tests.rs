use serde_json::json;

use super::*;

#[test]
fn a_label_is_the_catalog_id_and_the_axes_it_varies() {
    assert_eq!(target_label("a fox", &json!({"modelId": "gpt-image-2", "n": 1})), "gpt-image-2");
    assert_eq!(
        target_label("a fox", &json!({"modelId": "gpt-image-2", "n": 1, "size": "1536x1024"})),
        "gpt-image-2 · size=1536x1024"
    );
    assert_eq!(
        target_label("a fox", &json!({"modelId": "gpt-image-2", "n": 1, "fields": {"quality": "high"}})),
        "gpt-image-2 · quality=high"
    );
    // A sweep: its axes in order, without the prompt's variables (the prompt holds them).
    let t = json!({"modelId": "gpt-image-2", "n": 1, "prompt": "a fox in snow", "fields": {"quality": "low"},
        "axes": [{"axis": "animal", "value": "fox"}, {"axis": "quality", "value": "low"}, {"axis": "aspect_ratio", "value": "16:9"}]});
    assert_eq!(target_label("a {{animal}} in snow", &t), "gpt-image-2 · quality=low · aspect_ratio=16:9");
    let (label, prompt, model) = label_of(&json!({"prompt": "a {{animal}} in snow", "targets": [t]}), 0).unwrap();
    assert_eq!(
        (label.as_str(), prompt.as_str(), model.as_str()),
        ("gpt-image-2 · quality=low · aspect_ratio=16:9", "a fox in snow", "gpt-image-2")
    );
    assert!(label_of(&json!({"prompt": "x", "targets": []}), 0).is_none());
}

fn vote(left: &str, right: &str, winner: &str) -> VoteRecord {
    VoteRecord {
        at: String::new(),
        session_id: "s".into(),
        prompt: "p".into(),
        left_label: left.into(),
        right_label: right.into(),
        winner: winner.into(),
        left_run_id: "r".into(),
        left_target_idx: 0,
        left_output_idx: 0,
        left_sha256: String::new(),
        right_run_id: "r".into(),
        right_target_idx: 1,
        right_output_idx: 0,
        right_sha256: String::new(),
    }
}

#[test]
fn the_board_orders_a_known_ranking_with_records_and_cost_per_win() {
    let mut v = vec![];
    for _ in 0..3 {
        v.push(vote("a", "b", "left"));
        v.push(vote("c", "b", "right"));
        v.push(vote("c", "a", "right"));
    }
    v.push(vote("a", "c", "tie"));
    let credits = HashMap::from([("a".to_string(), 12), ("b".to_string(), 6)]);
    let b = board_from_votes(&v, &credits);
    let order: Vec<&str> = b.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(order, ["a", "b", "c"]);
    assert_eq!(b.rows.iter().map(|r| r.rank).collect::<Vec<_>>(), [1, 2, 3]);
    let a = &b.rows[0];
    assert_eq!((a.wins, a.losses, a.ties, a.votes), (6, 0, 1, 7));
    assert_eq!(a.cost_per_win, Some(2.0));
    assert!(a.low <= a.score && a.score <= a.high);
    let c = &b.rows[2];
    assert_eq!((c.wins, c.losses, c.ties, c.cost_per_win, c.credits), (0, 6, 1, None, 0));
    assert_eq!((b.votes, b.ties), (10, 1));
    // The same votes with every side swapped: the same board.
    let swapped: Vec<VoteRecord> = v
        .iter()
        .map(|x| {
            let w = match x.winner.as_str() {
                "left" => "right",
                "right" => "left",
                t => t,
            };
            vote(&x.right_label, &x.left_label, w)
        })
        .collect();
    let s = board_from_votes(&swapped, &credits);
    let key = |b: &Leaderboard| b.rows.iter().map(|r| (r.label.clone(), r.score, r.low, r.high)).collect::<Vec<_>>();
    assert_eq!(key(&b), key(&s));
}

#[test]
fn no_votes_is_an_empty_board() {
    let b = board_from_votes(&[], &HashMap::new());
    assert!(b.rows.is_empty());
    assert_eq!(b.votes, 0);
}

#[test]
fn the_csv_has_one_row_per_label() {
    let b = board_from_votes(&[vote("a", "b", "left")], &HashMap::new());
    let csv = leaderboard_csv(&b).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[0].starts_with("rank,label,model_id,score,low,high,wins,losses,ties,votes,credits,cost_per_win"),
        "{csv}"
    );
    assert!(lines[1].starts_with("1,a,a,"));
}
