//! Tests of fault parsing, display and selection.

use super::*;

#[test]
fn parses_every_directive() {
    let cases = [
        ("status=503", Fault::status(503)),
        ("status=503;times=2", Fault::status(503).times(2)),
        (
            "status=429; retry-after=2",
            Fault::status(429).retry_after(Duration::from_secs(2)),
        ),
        (
            "status=429;retry-after=1500ms",
            Fault::status(429).retry_after(Duration::from_secs(2)),
        ),
        ("delay=250ms", Fault::delayed(Duration::from_millis(250))),
        ("delay=2", Fault::delayed(Duration::from_secs(2))),
        ("reset;times=1", Fault::reset().times(1)),
        ("malformed-json", Fault::malformed_json()),
        ("missing-fields", Fault::missing_fields::<_, String>([])),
        (
            "missing-fields=token,token_expires_at",
            Fault::missing_fields(["token", "token_expires_at"]),
        ),
        (
            "status=500;key=t1;op=CreateRoomClientToken",
            Fault::status(500)
                .key("t1")
                .for_operation("CreateRoomClientToken"),
        ),
        (
            "reset;delay=1s",
            Fault::reset().with_delay(Duration::from_secs(1)),
        ),
        (
            "status=503;header=x-should-retry:false;header=retry-after-ms: 1500",
            Fault::status(503)
                .header("x-should-retry", "false")
                .header("retry-after-ms", "1500"),
        ),
        ("header=x-a:b", Fault::default().header("x-a", "b")),
    ];
    for (text, expected) in cases {
        assert_eq!(text.parse::<Fault>(), Ok(expected), "{text}");
    }
}

#[test]
fn display_round_trips() {
    for text in [
        "status=429;retry-after=3;times=2;key=k;op=RefreshRoomClientToken",
        "reset;delay=250ms",
        "missing-fields=token",
        "missing-fields",
        "malformed-json;times=1",
        "status=503;times=1;header=x-should-retry:false",
    ] {
        let fault: Fault = text.parse().expect("valid");
        assert_eq!(fault.to_string(), text);
    }
}

/// Found by `proptests::fault_text_parses_or_is_refused`: rounding the longest
/// `retry-after` up to whole seconds overflowed, so this header panicked the request's task.
#[test]
fn longest_retry_after_saturates() {
    let fault: Fault = "status=429;retry-after=18446744073709551615s 1ns"
        .parse()
        .expect("valid");
    assert_eq!(
        fault.action(),
        Some(&FaultAction::Status {
            status: 429,
            retry_after_secs: Some(u64::MAX),
        })
    );
    assert_eq!(
        Fault::status(429).retry_after(Duration::MAX),
        "status=429;retry-after=18446744073709551615"
            .parse()
            .expect("valid")
    );
}

#[test]
fn rejects_bad_text() {
    for text in [
        "",
        "times=2",
        "status",
        "status=abc",
        "status=99",
        "status=600",
        "status=500;reset",
        "retry-after=2",
        "delay=soon",
        "times=-1",
        "explode",
        "header=novalue",
        "header=bad name:v",
    ] {
        assert!(text.parse::<Fault>().is_err(), "{text:?} should be refused");
    }
}

#[test]
fn request_fault_lasts_k_attempts_per_operation_or_key() {
    let book = FaultBook::new(Vec::new(), None);
    let fault = Fault::status(503).times(2);
    let outcomes: Vec<bool> = (0..4)
        .map(|_| book.select("Create", Some(fault.clone())).is_some())
        .collect();
    assert_eq!(outcomes, [true, true, false, false]);
    // Another operation has its own counter.
    assert!(book.select("Refresh", Some(fault.clone())).is_some());
    // So does a client-chosen key, even on the first operation.
    let keyed = fault.key("test-a");
    assert!(book.select("Create", Some(keyed.clone())).is_some());
    assert!(book.select("Create", Some(keyed.clone())).is_some());
    assert!(book.select("Create", Some(keyed)).is_none());
}

#[test]
fn server_rules_apply_in_order_until_used_up() {
    let book = FaultBook::new(
        vec![
            Fault::status(500).times(1).for_operation("Create"),
            Fault::status(503).times(1),
        ],
        None,
    );
    let status = |op| {
        book.select(op, None).and_then(|f| match f.action {
            Some(FaultAction::Status { status, .. }) => Some(status),
            _ => None,
        })
    };
    assert_eq!(status("Refresh"), Some(503));
    assert_eq!(status("Create"), Some(500));
    assert_eq!(status("Create"), None);
    book.push(Fault::reset());
    assert_eq!(book.select("Create", None), Some(Fault::reset()));
    book.clear();
    assert_eq!(book.select("Create", None), None);
}

#[test]
fn request_fault_overrides_server_rules_without_using_them_up() {
    let book = FaultBook::new(vec![Fault::status(500).times(1)], None);
    assert_eq!(
        book.select("Create", Some(Fault::reset())),
        Some(Fault::reset())
    );
    assert_eq!(
        book.select("Create", None),
        Some(Fault::status(500).times(1))
    );
}

#[test]
fn counters_stay_bounded() {
    let mut counters = Counters::default();
    for i in 0..(MAX_COUNTERS + 10) {
        counters.next_attempt(format!("key:{i}"));
    }
    assert_eq!(counters.attempts.len(), MAX_COUNTERS);
    assert_eq!(counters.order.len(), MAX_COUNTERS);
    // The oldest key was forgotten, so it starts over.
    assert_eq!(counters.next_attempt("key:0".to_owned()), 1);
}

#[test]
fn chance_parses_displays_and_applies_about_that_often() {
    assert_eq!(
        "status=503;chance=10%".parse(),
        Ok(Fault::status(503).chance(0.1))
    );
    assert_eq!(
        "reset;chance=0.033".parse(),
        Ok(Fault::reset().chance(0.033))
    );
    assert_eq!(
        Fault::reset().chance(0.033).to_string(),
        "reset;chance=3.3%"
    );
    assert_eq!(
        Fault::status(429).chance(0.1).to_string(),
        "status=429;chance=10%"
    );
    for bad in [
        "reset;chance=101%",
        "reset;chance=-1",
        "reset;chance=x",
        "reset;chance=1.5",
    ] {
        assert!(bad.parse::<Fault>().is_err(), "{bad}");
    }

    const SEED: u64 = 0x5eed_0fa1;
    let book = FaultBook::new(vec![Fault::status(503).chance(0.1)], Some(SEED));
    assert_eq!(book.seed(), SEED);
    let draws = |book: &FaultBook| -> Vec<bool> {
        (0..100_000)
            .map(|_| book.select("Op", None).is_some())
            .collect()
    };
    let first = draws(&book);
    let applied = first.iter().filter(|applied| **applied).count();
    // 10,000 expected; the standard deviation is under 100.
    assert!(
        (9_400..=10_600).contains(&applied),
        "{applied} (seed {SEED:#x})"
    );
    // The same seed replays the same draws.
    let replay = FaultBook::new(vec![Fault::status(503).chance(0.1)], Some(SEED));
    assert!(draws(&replay) == first, "seed {SEED:#x} did not replay");
    let never = FaultBook::new(vec![Fault::status(503).chance(0.0)], None);
    assert!((0..1000).all(|_| never.select("Op", None).is_none()));
}
