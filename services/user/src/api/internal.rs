//! `InternalUserService`, for the other services: token checks, contact
//! details, display names and the dashboard's counts.

use std::sync::Arc;

use hms_kit::error::invalid_field;
use hms_kit::proto::common::Role;
use hms_kit::proto::user::internal_user_service_server::InternalUserService;
use hms_kit::proto::user::*;
use tonic::{Request, Response};

use super::Reply;
use crate::app::{State, load_user};
use crate::domain;

pub struct InternalApi(pub Arc<State>);

#[tonic::async_trait]
impl InternalUserService for InternalApi {
    async fn get_user_stats(&self, request: Request<GetUserStatsRequest>) -> Reply<GetUserStatsResponse> {
        let r = request.into_inner();
        let (day, week) = hms_kit::time::stats_window(r.day_start_time.as_ref(), r.week_start_time.as_ref())?;
        let (today, this_week) = self.0.new_patients(day, week).await?;
        Ok(Response::new(GetUserStatsResponse {
            stats: Some(UserStats { new_patients_today: today, new_patients_week: this_week }),
        }))
    }

    async fn verify_token(&self, request: Request<VerifyTokenRequest>) -> Reply<VerifyTokenResponse> {
        let r = request.into_inner();
        if r.token.is_empty() {
            return Err(invalid_field("token", "is required"));
        }
        let (user, caller) = self.0.verify_token(&r.token).await?;
        let session = caller.session_id.clone().unwrap_or_default();
        Ok(Response::new(VerifyTokenResponse {
            user_id: user.id,
            role: caller.role.into(),
            session_id: session,
            expire_time: Some(hms_kit::time::seconds_to_timestamp(caller.expires_at)),
        }))
    }

    async fn get_contact_info(&self, request: Request<GetContactInfoRequest>) -> Reply<GetContactInfoResponse> {
        let r = request.into_inner();
        let user = load_user(&self.0.db, &r.user_id).await?;
        Ok(Response::new(GetContactInfoResponse {
            display_name: domain::display_name(&user.first_name, &user.last_name, &user.username),
            user_id: user.id,
            email: user.email,
            phone_number: user.phone_number.unwrap_or_default(),
            preferred_language: user.preferred_language,
            is_active: user.is_active != 0,
        }))
    }

    async fn get_patient_demographics(
        &self,
        request: Request<GetPatientDemographicsRequest>,
    ) -> Reply<GetPatientDemographicsResponse> {
        let r = request.into_inner();
        let user = load_user(&self.0.db, &r.user_id).await?;
        if user.role != hms_kit::auth::role_name(Role::Patient) {
            return Err(tonic::Status::not_found("no patient with this id"));
        }
        let patient = match self.0.open_profile(&user)?.and_then(|p| p.kind) {
            Some(profile::Kind::Patient(p)) => p,
            _ => PatientProfile::default(),
        };
        Ok(Response::new(GetPatientDemographicsResponse {
            display_name: domain::display_name(&user.first_name, &user.last_name, &user.username),
            user_id: user.id,
            date_of_birth: patient.date_of_birth,
            gender: patient.gender,
        }))
    }

    async fn batch_get_contact_info(
        &self,
        request: Request<BatchGetContactInfoRequest>,
    ) -> Reply<BatchGetContactInfoResponse> {
        let rows = self.0.users_by_ids(request.into_inner().user_ids).await?;
        let contacts = rows
            .into_iter()
            .map(|user| {
                let contact = ContactInfo {
                    display_name: domain::display_name(&user.first_name, &user.last_name, &user.username),
                    user_id: user.id.clone(),
                    email: user.email,
                    phone_number: user.phone_number.unwrap_or_default(),
                    preferred_language: user.preferred_language,
                    is_active: user.is_active != 0,
                };
                (user.id, contact)
            })
            .collect();
        Ok(Response::new(BatchGetContactInfoResponse { contacts }))
    }

    async fn list_staff_ids(&self, request: Request<ListStaffIdsRequest>) -> Reply<ListStaffIdsResponse> {
        let role = Role::try_from(request.into_inner().role).unwrap_or(Role::Unspecified);
        if matches!(role, Role::Unspecified | Role::Patient | Role::Service) {
            return Err(hms_kit::error::invalid_field("role", "must be a staff role"));
        }
        let user_ids = self.0.staff_ids(hms_kit::auth::role_name(role)).await?;
        Ok(Response::new(ListStaffIdsResponse { user_ids }))
    }

    async fn batch_get_display_names(
        &self,
        request: Request<BatchGetDisplayNamesRequest>,
    ) -> Reply<BatchGetDisplayNamesResponse> {
        let rows = self.0.users_by_ids(request.into_inner().user_ids).await?;
        let display_names = rows
            .into_iter()
            .map(|u| (u.id.clone(), domain::display_name(&u.first_name, &u.last_name, &u.username)))
            .collect();
        Ok(Response::new(BatchGetDisplayNamesResponse { display_names }))
    }
}
