//! Inspection against Suricata's documented examples.

use super::parse::content_bytes;
use super::*;

/// The inspection of a rule's options (`content:"a"; offset:1; ...`).
fn insp(options: &str) -> Inspection {
    let mut b = Builder::default();
    for opt in options.split(';').map(str::trim).filter(|o| !o.is_empty()) {
        let (name, value) = match opt.split_once(':') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (opt, None),
        };
        b.option(name, value)
            .unwrap_or_else(|e| panic!("{opt}: {e}"));
    }
    b.finish().0.payload
}

fn refused(options: &str) -> String {
    let mut b = Builder::default();
    for opt in options.split(';').map(str::trim).filter(|o| !o.is_empty()) {
        let (name, value) = match opt.split_once(':') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (opt, None),
        };
        if let Err(e) = b.option(name, value) {
            return e;
        }
    }
    panic!("{options} was accepted")
}

#[test]
fn content_text_hex_and_escapes() {
    assert_eq!(content_bytes("a|00 FF|b").unwrap(), b"a\x00\xffb");
    assert_eq!(content_bytes(r#"x\"y\;z\\"#).unwrap(), b"x\"y;z\\");
    assert!(content_bytes("|0|").is_err());
    assert!(content_bytes("|00").is_err());
    assert!(content_bytes("").is_err());
}

#[test]
fn offset_and_depth_bound_the_search() {
    let i = insp(r#"content:"def"; offset:3; depth:3"#);
    assert!(i.matches(b"abcdefgh"));
    assert!(!i.matches(b"abdefgh"), "starts before the offset");
    assert!(!i.matches(b"abcxdefgh"), "ends past offset + depth");
}

#[test]
fn nocase_and_negation() {
    assert!(insp(r#"content:"ABC"; nocase"#).matches(b"xxabcxx"));
    assert!(!insp(r#"content:"ABC""#).matches(b"xxabcxx"));
    assert!(insp(r#"content:"ab"; content:!"zz""#).matches(b"abc"));
    assert!(!insp(r#"content:"ab"; content:!"zz""#).matches(b"abzz"));
}

#[test]
fn distance_and_within_are_placed_from_the_previous_match() {
    let i = insp(r#"content:"ab"; content:"cd"; distance:2; within:4"#);
    assert!(i.matches(b"ab..cd"));
    assert!(!i.matches(b"ab.cd."), "closer than distance");
    // Suricata counts within from the previous match's end plus distance.
    assert!(i.matches(b"ab....cd"));
    assert!(!i.matches(b"ab.....cd"), "beyond distance + within");
    // The first "ab" fails; its second occurrence is tried (the next
    // content depends on it through within).
    assert!(i.matches(b"ab......ab..cd"));
    // A negative distance looks back.
    assert!(insp(r#"content:"cd"; content:"ab"; distance:-4; within:2"#).matches(b"abcd"));
}

#[test]
fn startswith_and_endswith() {
    assert!(insp(r#"content:"GET"; startswith"#).matches(b"GET /"));
    assert!(!insp(r#"content:"GET"; startswith"#).matches(b" GET /"));
    assert!(insp(r#"content:"end"; endswith"#).matches(b"the end"));
    assert!(!insp(r#"content:"end"; endswith"#).matches(b"the end."));
}

#[test]
fn pcre_absolute_relative_and_flags() {
    assert!(insp(r#"pcre:"/^GET \/[a-z]+/""#).matches(b"GET /index"));
    assert!(insp(r#"pcre:"/get/i""#).matches(b"xGETx"));
    assert!(!insp(r#"pcre:!"/get/i""#).matches(b"xGETx"));
    let rel = insp(r#"content:"id="; pcre:"/^\d{3}/R""#);
    assert!(rel.matches(b"x id=123"));
    assert!(!rel.matches(b"x id=12a"));
    assert!(refused(r#"pcre:"/(a)\1/""#).contains("regex crate"));
    assert!(refused(r#"pcre:"/x/U""#).contains("/U"));
}

#[test]
fn byte_test_reads_numbers_as_suricata() {
    // A Modbus length field (bytes 4-5, big endian) above 250.
    let i = insp("byte_test:2,>,250,4");
    assert!(i.matches(&[0, 1, 0, 0, 0x01, 0x00, 1]));
    assert!(!i.matches(&[0, 1, 0, 0, 0x00, 0x06, 1]));
    assert!(insp("byte_test:2,=,6,4,little").matches(&[0, 1, 0, 0, 6, 0]));
    assert!(insp("byte_test:2,!=,5,4").matches(&[0, 1, 0, 0, 0, 6]));
    assert!(insp("byte_test:1,&,0x80,0").matches(&[0x81]));
    assert!(insp("byte_test:3,>,99,0,string,dec").matches(b"123"));
    assert!(insp("byte_test:1,=,2,0,bitmask 0x0c").matches(&[0x08]));
    // Relative to a content's end.
    assert!(insp(r#"content:"|ff|"; byte_test:1,=,7,0,relative"#).matches(&[1, 0xff, 7]));
    assert!(!insp("byte_test:2,=,1,9").matches(&[0, 1]), "past the end");
    assert!(refused("byte_test:9,=,1,0").contains("1 to 8"));
}

#[test]
fn byte_jump_moves_the_pointer() {
    // A length byte of 2, then skip it and 2 more: "X" follows.
    let i = insp(r#"byte_jump:1,0; content:"X"; within:1"#);
    assert!(!i.matches(&[2]));
    let i = insp(r#"content:"L"; byte_jump:1,0,relative; content:"X"; distance:0; within:1"#);
    assert!(i.matches(b"L\x02abX"));
    assert!(!i.matches(b"L\x01abX"));
    let i = insp(
        r#"content:"L"; byte_jump:1,0,relative,from_beginning; content:"X"; distance:0; within:1"#,
    );
    assert!(i.matches(b"L\x03.X"));
}

#[test]
fn isdataat_absolute_relative_negated() {
    assert!(insp("isdataat:3").matches(b"abcd"));
    assert!(!insp("isdataat:4").matches(b"abcd"));
    assert!(insp(r#"content:"ab"; isdataat:!1,relative"#).matches(b"xxab"));
    assert!(!insp(r#"content:"ab"; isdataat:!1,relative"#).matches(b"xxabc"));
}

#[test]
fn dsize_compares_the_payload_size() {
    assert!(insp("dsize:>3").matches(b"abcd"));
    assert!(!insp("dsize:>3").matches(b"abc"));
    assert!(insp("dsize:2<>5").matches(b"abc"));
    assert!(!insp("dsize:2<>5").matches(b"ab"));
}

#[test]
fn misplaced_modifiers_are_refused() {
    assert!(refused("nocase").contains("must follow a content"));
    assert!(refused(r#"content:"a"; within:1"#).contains("earlier content"));
    assert!(
        refused(r#"content:"a"; content:"b"; distance:1; depth:3"#).contains("cannot be combined")
    );
    assert!(refused("byte_extract:1,0,x").contains("not supported"));
}

#[test]
fn the_fast_pattern_is_chosen_or_the_longest() {
    let i = insp(r#"content:"abcdef"; content:"xy"; fast_pattern"#);
    assert_eq!(i.fast_pattern().unwrap().pattern, b"xy");
    let i = insp(r#"content:"ab"; content:!"longer""#);
    assert_eq!(i.fast_pattern().unwrap().pattern, b"ab");
}

mod prefilter {
    use crate::event::{ConnId, Dir};
    use crate::rules::ast::Proto;
    use crate::rules::payload::{Chunk, PayloadSet, Scratch};
    use crate::rules::{RuleSet, Vars};
    use proptest::prelude::*;
    use std::path::Path;

    const RULES: &str = r#"
alert tcp any any -> any any (content:"abc"; sid:1;)
alert tcp any any -> any any (content:"ABC"; nocase; sid:2;)
alert tcp any any -> any any (content:"b"; content:"ca"; distance:0; within:3; sid:3;)
alert tcp any any -> any any (content:!"zz"; content:"a"; sid:4;)
alert tcp any any -> any any (pcre:"/c[ab]{2}/"; sid:5;)
alert tcp any any -> any any (dsize:<4; sid:6;)
alert tcp any any -> any any (content:"aa"; fast_pattern; content:"bcc"; sid:7;)
alert tcp any any -> any any (content:"c"; offset:2; depth:1; isdataat:1,relative; sid:8;)
alert tcp any any -> any any (content:"abcab"; sid:9;)
alert tcp any any -> any any (content:"BCAB"; nocase; sid:10;)
alert tcp any any -> any any (content:"zabca"; sid:11;)
alert tcp any any -> any any (content:"cabcabz"; content:"aaaa"; distance:0; sid:12;)
alert tcp any any -> any any (content:"ABCABC"; nocase; sid:13;)
alert tcp any any -> any any (content:"zzAbz"; sid:14;)
alert tcp any any -> any any (content:"bbbbbb"; nocase; sid:15;)
alert tcp any any -> any 502 (content:"abcabc"; sid:16;)
alert tcp any any -> any 80 (content:"abcab"; sid:17;)
alert udp any any -> any 502 (content:"abcab"; sid:18;)
alert tcp any any -> any [80,502] (content:"cabca"; nocase; sid:19;)
"#;

    fn conn() -> ConnId {
        let ip = |s: &str| s.parse().unwrap();
        ConnId::tcp("Ctest", (ip("10.0.0.1"), 40000), (ip("10.0.0.2"), 502))
    }

    proptest! {
        /// The prefilter only chooses which rules to inspect: what matches
        /// is what inspecting every rule finds.
        #[test]
        fn the_prefilter_loses_no_match(data in proptest::collection::vec(
            prop_oneof![Just(b'a'), Just(b'b'), Just(b'c'), Just(b'A'), Just(b'B'), Just(b'z')], 0..200)) {
            let (rules, errors) = RuleSet::parse(RULES, Path::new("t.rules"), &Vars::default());
            prop_assert!(errors.is_empty(), "{errors:?}");
            let set = PayloadSet::compile(&RuleSet::of(rules.clone())).unwrap();
            let id = conn();
            let chunk = Chunk { id: &id, dir: Dir::Orig, data: &data, established: true, services: &[] };
            let mut found = Vec::new();
            set.inspect(&chunk, &mut [], &mut Scratch::default(), &mut |sid| found.push(sid));
            found.sort_unstable();
            // The chunk goes to TCP port 502.
            let all: Vec<u32> = rules
                .iter()
                .filter(|r| r.proto != Proto::Udp && r.dport.matches(502))
                .filter(|r| r.payload.as_ref().unwrap().payload.matches(&data))
                .map(|r| r.sid)
                .collect();
            prop_assert_eq!(found, all);
        }
    }
}

#[test]
fn flowbits_carry_from_one_chunk_to_the_next() {
    use crate::event::{ConnId, Dir};
    use crate::rules::{RuleSet, Vars};
    let text = r#"
alert tcp any any -> any any (msg:"login"; content:"USER"; flowbits:set,user; flowbits:noalert; sid:1;)
alert tcp any any -> any any (msg:"after login"; content:"PASS"; flowbits:isset,user; sid:2;)
alert tcp any any -> any any (msg:"no login"; content:"PASS"; flowbits:isnotset,user; sid:3;)
alert tcp any any -> any any (msg:"logout"; content:"QUIT"; flowbits:unset,user; sid:4;)
"#;
    let (rules, errors) = RuleSet::parse(text, std::path::Path::new("t.rules"), &Vars::default());
    assert!(errors.is_empty(), "{errors:?}");
    let set = PayloadSet::compile(&RuleSet::of(rules)).unwrap();
    let ip = |s: &str| s.parse().unwrap();
    let id = ConnId::tcp("Ctest", (ip("10.0.0.1"), 40000), (ip("10.0.0.2"), 21));
    let mut bits = vec![0; set.words()];
    let mut scratch = Scratch::default();
    let mut run = |data: &[u8]| {
        let chunk = Chunk {
            id: &id,
            dir: Dir::Orig,
            data,
            established: true,
            services: &[],
        };
        let mut hits = Vec::new();
        set.inspect(&chunk, &mut bits, &mut scratch, &mut |sid| hits.push(sid));
        hits
    };
    assert_eq!(run(b"PASS x"), vec![3]);
    assert_eq!(run(b"USER x"), Vec::<u32>::new(), "noalert");
    assert_eq!(run(b"PASS x"), vec![2]);
    assert_eq!(run(b"QUIT"), vec![4]);
    assert_eq!(run(b"PASS x"), vec![3]);
}
