//! `InternalAppointmentService`: the admin dashboard's figures of a day and
//! its week, for service tokens only.

use hms_kit::error::{FieldViolations, invalid_field};
use hms_kit::proto::appointment::internal_appointment_service_server::InternalAppointmentService;
use hms_kit::proto::appointment::*;
use tonic::{Request, Response};

use super::convert::figures_to_proto;
use super::{InternalApi, Reply};
use hms_kit::time::date_from_proto;

#[tonic::async_trait]
impl InternalAppointmentService for InternalApi {
    async fn get_appointment_stats(
        &self,
        request: Request<GetAppointmentStatsRequest>,
    ) -> Reply<GetAppointmentStatsResponse> {
        let s = &self.0;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        let date = date_from_proto(&mut v, "date", r.date.as_ref());
        v.into_result()?;
        let Some(date) = date else { return Err(invalid_field("date", "is required")) };
        let (today, week) = s.day_and_week(date).await?;
        Ok(Response::new(GetAppointmentStatsResponse {
            stats: Some(AppointmentStats {
                today: Some(figures_to_proto(&today)),
                week: Some(figures_to_proto(&week)),
                time_zone: s.zone_name.clone(),
            }),
        }))
    }
}
