//! HTTP handlers, one module per resource. Each handler's doc comment is its description in the
//! contract; every route is registered through utoipa so that it is in `openapi.yaml`.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod certificate_orders;
pub mod certificate_reports;
pub mod certificate_search;
pub mod certificates;
pub mod clients;
pub mod codes;
pub mod credentials;
pub mod districts;
pub mod filings;
pub mod health;
pub mod holder;
pub mod institutions;
pub mod occupations;
pub mod outbox;
pub mod personnel;
pub mod plans;
pub mod schools;
pub mod standards;
pub mod supervision;
pub mod users;
pub mod verify_page;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Registers every route of the API.
pub fn configure(cfg: &mut ServiceConfig) {
    // The API first, and public verification first in it: the router tries routes in this
    // order, and this is the one the public calls most (docs/PERFORMANCE.md).
    cfg.service(
        scope("/api/v1")
            .service(certificates::verify)
            .service(holder::own_pdf)
            .service(holder::own_credential)
            .service(credentials::credential)
            .service(credentials::status_list)
            .service(auth::login)
            .service(clients::token)
            .service(clients::create)
            .service(clients::list)
            .service(clients::revoke)
            .service(auth::me)
            .service(auth::change_own_password)
            .service(users::create)
            .service(users::list)
            .service(users::get)
            .service(users::update)
            .service(audit::list)
            .service(audit::verify)
            .service(audit::checkpoint)
            .service(audit::store_checkpoint)
            .service(codes::decode)
            .service(districts::list)
            .service(calendar::working_days)
            .service(calendar::get_year)
            .service(calendar::publish)
            .service(occupations::search)
            .service(occupations::import)
            .service(occupations::get)
            .service(occupations::add_work_type)
            .service(occupations::set_access_type)
            .service(occupations::access_types)
            .service(standards::create)
            .service(standards::list)
            .service(standards::get)
            .service(standards::correct)
            .service(standards::withdraw)
            .service(schools::create)
            .service(schools::list)
            .service(schools::get)
            .service(schools::correct_school)
            .service(schools::create_account)
            .service(filings::create)
            .service(filings::list)
            .service(filings::get)
            .service(filings::put_document)
            .service(filings::attachments::upload)
            .service(filings::attachments::download)
            .service(filings::workflow::submit)
            .service(filings::workflow::accept)
            .service(filings::workflow::return_to_school)
            .service(filings::workflow::assign_experts)
            .service(filings::workflow::withdraw)
            .service(filings::workflow::evaluate)
            .service(filings::decision::approve)
            .service(filings::decision::reject)
            .service(institutions::list)
            .service(institutions::merge)
            .service(institutions::get)
            .service(institutions::receipt)
            .service(institutions::receipt_pdf)
            .service(institutions::suspend)
            .service(institutions::reinstate)
            .service(institutions::cancel)
            .service(institutions::public_directory)
            .service(institutions::retired_codes)
            .service(plans::roster::get)
            .service(plans::cancel)
            .service(plans::create)
            .service(plans::list)
            .service(plans::get)
            .service(plans::update)
            .service(plans::file)
            .service(plans::acknowledge)
            .service(plans::return_plan)
            .service(plans::candidates::add)
            .service(plans::candidates::list)
            .service(plans::candidates::import)
            .service(plans::candidates::withdraw)
            .service(plans::results::put_photo)
            .service(plans::results::get_photo)
            .service(plans::results::get_results)
            .service(plans::results::record)
            .service(plans::results::start_publicity)
            .service(plans::results::objections)
            .service(plans::results::answer)
            .service(plans::results::answer_many)
            .service(plans::results::report)
            .service(plans::results::review)
            .service(plans::results::public_notice)
            .service(plans::results::lodge)
            .service(certificates::issue)
            .service(certificates::of_plan)
            .service(certificate_search::search)
            .service(certificates::get)
            .service(certificates::revoke)
            .service(certificate_orders::order)
            .service(certificates::reissue)
            .service(certificates::pdf)
            .service(certificate_reports::report)
            .service(certificate_reports::acknowledge)
            .service(certificate_reports::export)
            .service(certificate_reports::zip_batch)
            .service(supervision::fees::publish)
            .service(supervision::fees::get)
            .service(supervision::fees::public_fees)
            .service(supervision::violations::record)
            .service(supervision::violations::list)
            .service(supervision::complaints::file)
            .service(supervision::complaints::follow)
            .service(supervision::complaints::list)
            .service(supervision::complaints::get)
            .service(supervision::complaints::assign)
            .service(supervision::complaints::add_note)
            .service(supervision::complaints::close)
            .service(personnel::register)
            .service(personnel::list)
            .service(personnel::get)
            .service(personnel::qualify)
            .service(personnel::deactivate)
            .service(personnel::draw)
            .service(personnel::drawn)
            .service(supervision::inspections::add_inspector)
            .service(supervision::inspections::inspectors)
            .service(supervision::inspections::deactivate_inspector)
            .service(supervision::inspections::create_task)
            .service(supervision::inspections::list_tasks)
            .service(supervision::inspections::get_task)
            .service(supervision::inspections::record_result)
            .service(supervision::inspections::public_inspections)
            .service(supervision::ratings::compute)
            .service(supervision::ratings::adjust)
            .service(supervision::ratings::publish)
            .service(supervision::ratings::list)
            .service(supervision::ratings::public_ratings)
            .service(supervision::statistics::certificates)
            .service(supervision::statistics::pass_rates)
            .service(supervision::archive::archive)
            .service(outbox::list)
            .service(outbox::get)
            .service(outbox::replay),
    )
    .service(health::health)
    .service(health::ready)
    .service(health::metrics)
    .service(certificates::keys)
    .service(credentials::did_document)
    .service(verify_page::verify_page)
    .service(verify_page::own_pdf)
    .service(verify_page::own_credential);
}
