//! Generated code of every HMS contract, plus the encoded descriptor set.

#![allow(clippy::large_enum_variant, clippy::doc_lazy_continuation)]

/// The encoded `FileDescriptorSet` of every HMS proto and its imports, with
/// custom options preserved (reflection, access policies, REST routes).
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/hms_descriptor.bin"));

pub mod google {
    pub mod api {
        tonic::include_proto!("google.api");
    }
    pub mod rpc {
        tonic::include_proto!("google.rpc");
    }
    pub mod r#type {
        tonic::include_proto!("google.r#type");
    }
}

pub mod hms {
    pub mod admin {
        pub mod v1 {
            tonic::include_proto!("hms.admin.v1");
        }
    }
    pub mod appointment {
        pub mod v1 {
            tonic::include_proto!("hms.appointment.v1");
        }
    }
    pub mod billing {
        pub mod v1 {
            tonic::include_proto!("hms.billing.v1");
        }
    }
    pub mod common {
        pub mod v1 {
            tonic::include_proto!("hms.common.v1");
        }
    }
    pub mod ehr {
        pub mod v1 {
            tonic::include_proto!("hms.ehr.v1");
        }
    }
    pub mod laboratory {
        pub mod v1 {
            tonic::include_proto!("hms.laboratory.v1");
        }
    }
    pub mod notification {
        pub mod v1 {
            tonic::include_proto!("hms.notification.v1");
        }
    }
    pub mod pharmacy {
        pub mod v1 {
            tonic::include_proto!("hms.pharmacy.v1");
        }
    }
    pub mod user {
        pub mod v1 {
            tonic::include_proto!("hms.user.v1");
        }
    }
    pub mod web {
        pub mod v1 {
            tonic::include_proto!("hms.web.v1");
        }
    }
}

pub use hms::admin::v1 as admin;
pub use hms::appointment::v1 as appointment;
pub use hms::billing::v1 as billing;
pub use hms::common::v1 as common;
pub use hms::ehr::v1 as ehr;
pub use hms::laboratory::v1 as laboratory;
pub use hms::notification::v1 as notification;
pub use hms::pharmacy::v1 as pharmacy;
pub use hms::user::v1 as user;
pub use hms::web::v1 as web;
