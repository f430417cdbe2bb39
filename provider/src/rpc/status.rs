//! gRPC statuses the engine understands, including `ErrorResourceInitFailed` for half-way creates.

use prost::Message;
use tonic::{Code, Status};

use super::proto::google::rpc;
use super::pulumirpc::ErrorResourceInitFailed;
use super::value::{PropertyMap, to_struct};

/// A failure the engine records with partial state: AWS holds `id` with `state`, so the next `pulumi up`
/// continues from it instead of leaking it.
pub fn init_failed(message: String, id: &str, state: &PropertyMap, inputs: &PropertyMap) -> Status {
    let detail = ErrorResourceInitFailed {
        id: id.to_string(),
        properties: Some(to_struct(state)),
        reasons: vec![message.clone()],
        inputs: Some(to_struct(inputs)),
        refresh_before_update: false,
    };
    let status = rpc::Status {
        code: Code::Unknown as i32,
        message: message.clone(),
        details: vec![prost_types::Any {
            type_url: "type.googleapis.com/pulumirpc.ErrorResourceInitFailed".to_string(),
            value: detail.encode_to_vec(),
        }],
    };
    Status::with_details(Code::Unknown, message, status.encode_to_vec().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::value::Value;

    #[test]
    fn init_failed_carries_id_and_state_in_details() {
        let state = PropertyMap::from([("cidrBlock".to_string(), Value::from("10.0.0.0/16"))]);
        let st = init_failed(
            "ModifyVpcAttribute failed".into(),
            "vpc-1",
            &state,
            &PropertyMap::new(),
        );
        let decoded = rpc::Status::decode(st.details()).expect("google.rpc.Status");
        assert_eq!(decoded.details.len(), 1);
        assert_eq!(
            decoded.details[0].type_url,
            "type.googleapis.com/pulumirpc.ErrorResourceInitFailed"
        );
        let detail =
            ErrorResourceInitFailed::decode(decoded.details[0].value.as_slice()).expect("detail");
        assert_eq!(detail.id, "vpc-1");
        assert_eq!(
            detail.reasons,
            vec!["ModifyVpcAttribute failed".to_string()]
        );
    }
}
