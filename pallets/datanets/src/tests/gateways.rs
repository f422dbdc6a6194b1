//! Published IPFS gateways: the owner sets, replaces and clears them; every refusal has its
//! own error and changes nothing.

use super::*;
use crate::{DatanetGateways, Error, Event, MAX_GATEWAYS, MAX_GATEWAY_URL_LEN};
use frame_support::{assert_noop, assert_ok};

fn set(who: AccountId, datanet: u32, urls: &[&str]) -> sp_runtime::DispatchResult {
	Datanets::set_gateways(
		RuntimeOrigin::signed(who),
		datanet,
		urls.iter().map(|u| u.as_bytes().to_vec()).collect(),
	)
}

fn published(datanet: u32) -> Vec<String> {
	DatanetGateways::<Test>::get(datanet)
		.iter()
		.map(|u| String::from_utf8(u.to_vec()).unwrap())
		.collect()
}

#[test]
fn the_owner_publishes_replaces_and_clears_gateways() {
	new_test_ext().execute_with(|| {
		assert_ok!(set(OWNER, TEXT, &["https://gw.example.org", "http://10.0.0.2:8080/"]));
		assert_eq!(published(TEXT), ["https://gw.example.org", "http://10.0.0.2:8080/"]);
		System::assert_last_event(Event::GatewaysSet { datanet: TEXT, count: 2 }.into());
		assert_eq!(
			Datanets::query_datanet(TEXT).unwrap().gateways,
			vec![b"https://gw.example.org".to_vec(), b"http://10.0.0.2:8080/".to_vec()]
		);
		assert_ok!(set(OWNER, TEXT, &["https://other.example"]));
		assert_eq!(published(TEXT), ["https://other.example"]);
		assert_ok!(set(OWNER, TEXT, &[]));
		assert!(!DatanetGateways::<Test>::contains_key(TEXT));
		System::assert_last_event(Event::GatewaysSet { datanet: TEXT, count: 0 }.into());
		Datanets::do_try_state().unwrap();
	});
}

#[test]
fn gateway_refusals_each_have_their_own_error() {
	new_test_ext().execute_with(|| {
		assert_noop!(set(BOB, TEXT, &["https://a.example"]), Error::<Test>::NotDatanetOwner);
		assert_noop!(set(OWNER, 77, &["https://a.example"]), Error::<Test>::DatanetNotFound);
		let many: Vec<String> =
			(0..=MAX_GATEWAYS).map(|i| format!("https://g{i}.example")).collect();
		let many: Vec<&str> = many.iter().map(String::as_str).collect();
		assert_noop!(set(OWNER, TEXT, &many), Error::<Test>::TooManyGateways);
		let long = format!("https://{}.example", "x".repeat(MAX_GATEWAY_URL_LEN as usize));
		assert_noop!(set(OWNER, TEXT, &[&long]), Error::<Test>::GatewayUrlTooLong);
		for bad in
			["ftp://a.example", "https://", "https:///path", "https://a b.example", "a.example"]
		{
			assert_noop!(set(OWNER, TEXT, &[bad]), Error::<Test>::InvalidGatewayUrl);
		}
		assert_noop!(
			set(OWNER, TEXT, &["https://a.example", "https://a.example"]),
			Error::<Test>::DuplicateGateway
		);
	});
}
